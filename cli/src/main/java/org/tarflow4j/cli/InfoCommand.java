package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tarflow4j.core.Json;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.train.RunInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "What a run directory or checkpoint holds, without loading the model: the components and versions"
                + " it needs (and whether this host has them), its step and stage, the corpus it was trained on, the"
                + " last metrics of its run and its configuration.")
final class InfoCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "RUN_DIR_OR_CHECKPOINT",
            description = "A run directory (its last.ckpt) or a .ckpt file.")
    Path checkpoint;

    @Option(names = "--json", description = "Everything as one JSON object.")
    boolean json;

    @Override
    public void run() {
        RunInfo info = Tarflow.info(checkpoint, common.registry());
        Map<String, Object> all = info.toJson();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.pretty(all));
            return;
        }
        Checkpoint.Progress p = info.meta().progress();
        Checkpoint.Provenance v = info.meta().provenance();
        out.println(
                "checkpoint: " + info.checkpoint() + " (" + info.meta().format() + ", written " + v.written() + ")");
        out.println("step " + p.step()
                + (p.stage() > 0 ? ", progressive stage " + p.stage() + " since step " + p.stageStart() : "")
                + String.format(Locale.ROOT, ", %.1f min of training", p.seconds() / 60)
                + (Double.isFinite(p.bestValid())
                        ? String.format(Locale.ROOT, ", best valid %.4f nats/token", p.bestValid())
                        : ""));
        out.println("tokenizer " + v.tokenizer() + " (" + v.vocab() + " symbols), seed " + v.seed());
        out.println();
        out.println("components" + (info.loadable() ? " (all available here):" : " (NOT all available here):"));
        Table table = new Table("KIND", "NAME", "VERSION", "FOR", "HERE");
        for (Object o : (List<?>) all.get("components")) {
            Map<?, ?> c = (Map<?, ?>) o;
            table.row(
                    c.get("kind"),
                    c.get("name"),
                    c.get("version"),
                    c.get("owner"),
                    Boolean.TRUE.equals(c.get("usable"))
                            ? c.get("installed") + " (" + c.get("origin") + ")"
                            : "no: " + c.get("problem"));
        }
        table.print(out);
        out.println();
        if (info.data() == null) out.println("data: not recorded (a checkpoint from before tarflow4j recorded it)");
        else
            out.println("data: " + info.data().get("kind") + " corpus, "
                    + info.data().get("tokenizer")
                    + " tokenizer, " + splits(info.data())
                    + (info.dataFrom().equals("checkpoint") ? "" : " (from " + info.dataFrom() + ")"));
        if (info.data() != null && info.data().get("command") != null)
            out.println("      prepared by: " + info.data().get("command"));
        metrics(out, info);
        out.println();
        out.println("config:");
        out.print(v.config().endsWith("\n") ? v.config() : v.config() + "\n");
        out.flush();
    }

    private static void metrics(PrintWriter out, RunInfo info) {
        if (info.lastTrain() == null && info.lastValid() == null && info.result() == null) {
            out.println("metrics: none (no metrics.jsonl or result.json next to the checkpoint)");
            return;
        }
        if (info.lastTrain() != null)
            out.println("last train record: step " + info.lastTrain().get("step") + ", loss "
                    + number(info.lastTrain().get("loss")) + " nats/token");
        if (info.lastValid() != null)
            out.println("last validation:   step " + info.lastValid().get("step") + ", loss "
                    + number(info.lastValid().get("loss")) + " nats/token");
        if (info.result() != null)
            for (String split : List.of("valid", "test"))
                if (info.result().get(split) instanceof Map<?, ?> m)
                    out.println("final " + split + ": " + bound(m) + " (result.json)");
    }

    /** {@code 1.9930 BPC, 1.3815 nats/token, elbo over 12345 tokens}. */
    private static String bound(Map<?, ?> m) {
        String metric = m.containsKey("bpc") ? "bpc" : m.containsKey("ppl") ? "ppl" : null;
        return (metric == null ? "" : number(m.get(metric)) + " " + metric.toUpperCase(Locale.ROOT) + ", ")
                + number(m.get("nats_per_token")) + " nats/token, " + m.get("estimator") + " over " + m.get("tokens")
                + " tokens";
    }

    private static String splits(Map<String, Object> data) {
        if (!(data.get("splits") instanceof Map<?, ?> splits)) return "splits not recorded";
        StringBuilder out = new StringBuilder();
        for (String name : List.of("train", "valid", "test"))
            if (splits.get(name) instanceof Map<?, ?> s)
                out.append(out.length() == 0 ? "" : ", ")
                        .append(name)
                        .append(" ")
                        .append(s.get("tokens"));
        return out.append(" tokens").toString();
    }

    private static String number(Object v) {
        return v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v);
    }
}
