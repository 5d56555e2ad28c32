package org.tarflow4j.experiments.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.Metric;

/**
 * The results of a sweep, rebuilt from its run directories: {@code results.csv} and {@code results.md} (a row per
 * run: the swept values, size, steps, time, speed, best and final validation and test metric, and why a run
 * failed) and PNG plots in {@code plots/}.
 */
public final class SweepReport {
    public static final String CSV = "results.csv";
    public static final String MARKDOWN = "results.md";
    public static final String PLOTS = "plots";

    private SweepReport() {}

    /** Where the results went, and how many runs finished or failed. */
    public record Summary(Path csv, Path markdown, List<Path> plots, int runs, int finished, int failed) {}

    /** Reads {@code directory/sweep.json} and every run directory, and writes the tables and plots. */
    public static Summary write(Path directory) {
        PlanFile plan = PlanFile.read(directory);
        List<RunRecord> records =
                plan.runs().stream().map(r -> RunRecord.read(directory, r)).toList();
        String unit = records.stream()
                .map(RunRecord::unit)
                .filter(u -> u != null)
                .findFirst()
                .orElse(RunRecord.NATS);
        Path csv = directory.resolve(CSV);
        Path markdown = directory.resolve(MARKDOWN);
        AtomicFiles.write(csv, csv(plan, records, unit));
        AtomicFiles.write(markdown, markdown(plan, records, unit));
        List<Path> plots = SweepPlots.write(directory.resolve(PLOTS), plan, records, unit);
        return new Summary(
                csv,
                markdown,
                plots,
                records.size(),
                count(records, RunRecord.Status.FINISHED),
                count(records, RunRecord.Status.FAILED));
    }

    private static int count(List<RunRecord> records, RunRecord.Status status) {
        return (int) records.stream().filter(r -> r.status() == status).count();
    }

    static String metricName(String unit) {
        return unit.equals(RunRecord.NATS) ? "nats/token" : Metric.ofKey(unit).label();
    }

    static String csv(PlanFile plan, List<RunRecord> records, String unit) {
        List<String> header = new ArrayList<>(List.of("run"));
        plan.axes().forEach(a -> header.add(a.name()));
        header.addAll(List.of(
                "status",
                "parameters",
                "steps",
                "train_seconds",
                "tokens_per_s",
                "valid_best_" + unit,
                "valid_" + unit,
                "test_" + unit,
                "reason"));
        StringBuilder out = new StringBuilder(csvRow(header));
        for (RunRecord r : records) {
            List<String> row = new ArrayList<>(List.of(r.run().name()));
            plan.axes().forEach(a -> row.add(r.run().values().get(a.name())));
            row.addAll(List.of(
                    r.status().label,
                    count(r.parameters()),
                    count(r.steps()),
                    number(r.seconds()),
                    number(r.tokensPerSecond()),
                    number(RunRecord.in(unit, r.validBest())),
                    number(RunRecord.in(unit, r.valid())),
                    number(RunRecord.in(unit, r.test())),
                    r.reason() == null ? "" : r.reason()));
            out.append(csvRow(row));
        }
        return out.toString();
    }

    static String markdown(PlanFile plan, List<RunRecord> records, String unit) {
        String metric = metricName(unit);
        StringBuilder out = new StringBuilder("# Sweep " + plan.name() + "\n\n");
        out.append("Base config: ")
                .append(plan.base())
                .append(". ")
                .append(records.size())
                .append(" runs, ")
                .append(count(records, RunRecord.Status.FINISHED))
                .append(" finished, ")
                .append(count(records, RunRecord.Status.FAILED))
                .append(
                        " failed. Lower is better; best valid is the lowest validation of the final model, valid and test are"
                                + " the final model's full evaluations.\n\n");
        List<String> header = new ArrayList<>(List.of("run"));
        plan.axes().forEach(a -> header.add(a.name()));
        header.addAll(List.of(
                "parameters",
                "steps",
                "train time",
                "tokens/s",
                "best valid " + metric,
                "valid " + metric,
                "test " + metric,
                "status"));
        out.append(mdRow(header));
        out.append(mdRow(header.stream().map(h -> "---").toList()));
        for (RunRecord r : records) {
            List<String> row = new ArrayList<>(List.of(r.run().name()));
            plan.axes().forEach(a -> row.add(r.run().values().get(a.name())));
            row.addAll(List.of(
                    r.parameters() < 0 ? "" : String.format(Locale.ROOT, "%,d", r.parameters()),
                    count(r.steps()),
                    duration(r.seconds()),
                    Double.isNaN(r.tokensPerSecond()) ? "" : String.format(Locale.ROOT, "%,.0f", r.tokensPerSecond()),
                    metric(unit, r.validBest()),
                    metric(unit, r.valid()),
                    metric(unit, r.test()),
                    r.status() == RunRecord.Status.FAILED ? "failed: " + r.reason() : r.status().label));
            out.append(mdRow(row));
        }
        return out.toString();
    }

    private static String metric(String unit, double nats) {
        if (Double.isNaN(nats)) return "";
        return unit.equals(RunRecord.NATS)
                ? String.format(Locale.ROOT, "%.4f", nats)
                : Metric.ofKey(unit).value(nats);
    }

    private static String duration(double seconds) {
        if (Double.isNaN(seconds)) return "";
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60) : s + "s";
    }

    private static String count(long n) {
        return n < 0 ? "" : Long.toString(n);
    }

    private static String number(double x) {
        return Double.isNaN(x) ? "" : Double.toString(x);
    }

    private static String csvRow(List<String> cells) {
        List<String> quoted = cells.stream()
                .map(c -> c.contains(",") || c.contains("\"") || c.contains("\n")
                        ? "\"" + c.replace("\"", "\"\"") + "\""
                        : c)
                .toList();
        return String.join(",", quoted) + "\n";
    }

    private static String mdRow(List<String> cells) {
        return "| "
                + String.join(
                        " | ",
                        cells.stream()
                                .map(c -> c.replace("|", "\\|").replace("\n", " "))
                                .toList()) + " |\n";
    }
}
