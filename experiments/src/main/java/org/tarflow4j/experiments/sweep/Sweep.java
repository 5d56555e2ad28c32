package org.tarflow4j.experiments.sweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.distributed.Launcher;
import org.tarflow4j.trainer.train.Devices;

/**
 * Runs a sweep into a directory: checks every combination's config and model first, records the plan, trains the
 * runs (one after another in this process, or as {@code parallel} separate processes sharing the cores; with a
 * launch, each run data-parallel in its own workers; runs on {@code train.device = "cuda"} placed round-robin on the
 * visible GPUs), then writes the tables and plots. Started again on the same directory, it skips finished runs and resumes unfinished
 * ones from their checkpoints; a run that fails is recorded with its reason and the others go on.
 */
public final class Sweep {
    private static final Pattern UNCAUGHT = Pattern.compile("^Exception in thread \"[^\"]*\" (.+)$", Pattern.MULTILINE);

    private final Plan plan;
    private final Path directory;
    private final int parallel;
    private final PluginRegistry registry;
    private final Path plugins;
    private final SweepListener listener;
    private SweepBoard board;
    private final IntSupplier visibleGpus;
    private final Launcher.Options launch;

    /**
     * @param plugins the plugins folder the worker processes load, null for the host's components only
     */
    public Sweep(
            SweepSpec spec,
            Path directory,
            int parallel,
            PluginRegistry registry,
            Path plugins,
            SweepListener listener) {
        this(spec, directory, parallel, registry, plugins, listener, (Launcher.Options) null);
    }

    /** @param launch how each run's data-parallel workers start ({@code --nproc-per-node}), null for one process */
    public Sweep(
            SweepSpec spec,
            Path directory,
            int parallel,
            PluginRegistry registry,
            Path plugins,
            SweepListener listener,
            Launcher.Options launch) {
        this(spec, directory, parallel, registry, plugins, listener, launch, Devices::cudaDevices);
    }

    /** @param visibleGpus the CUDA devices runs are placed on (counted where the sweep starts) */
    Sweep(
            SweepSpec spec,
            Path directory,
            int parallel,
            PluginRegistry registry,
            Path plugins,
            SweepListener listener,
            IntSupplier visibleGpus) {
        this(spec, directory, parallel, registry, plugins, listener, null, visibleGpus);
    }

    private Sweep(
            SweepSpec spec,
            Path directory,
            int parallel,
            PluginRegistry registry,
            Path plugins,
            SweepListener listener,
            Launcher.Options launch,
            IntSupplier visibleGpus) {
        if (parallel < 1) throw new SweepException("--parallel " + parallel + ": give 1 or more runs at a time");
        if (launch != null && launch.nnodes() > 1)
            throw new SweepException("a sweep trains its runs on this machine: give --nproc-per-node without --nnodes"
                    + " (train a multi-node run with 'tarflow train')");
        this.plan = Plan.of(spec);
        this.directory = directory;
        this.parallel = parallel;
        this.registry = registry;
        this.plugins = plugins;
        this.listener = listener;
        this.visibleGpus = visibleGpus;
        this.launch = launch;
    }

    /** A run as it will be trained: its config file's text, and the settings a resumed attempt gets. */
    record Prepared(
            PlannedRun run, RunFiles files, String config, TarflowConfig parsed, List<String> resumeOverrides) {}

    public SweepReport.Summary run() {
        List<Prepared> runs = check();
        PlanFile.write(directory, plan);
        List<TarflowConfig> configs = runs.stream().map(Prepared::parsed).toList();
        board = new SweepBoard(plan, configs, listener);
        board.experiment(directory, configs);
        List<Prepared> todo = runs.stream().filter(p -> !p.files.finished()).toList();
        say(plan.runs().size() + " runs: " + (runs.size() - todo.size()) + " finished before, " + todo.size()
                + " to train"
                + (parallel > 1 && todo.size() > 1 ? ", " + Math.min(parallel, todo.size()) + " at a time" : ""));
        if (launch == null && (parallel == 1 || todo.size() <= 1)) todo.forEach(this::trainHere);
        else trainInProcesses(todo);
        SweepReport.Summary summary = SweepReport.write(directory);
        say("results: " + summary.markdown() + ", " + summary.csv() + "; plots in "
                + directory.resolve(SweepReport.PLOTS));
        return summary;
    }

    /**
     * Every run's config parsed and its model built through the registry, before anything trains, and runs already
     * in the directory checked to be of the same config.
     */
    List<Prepared> check() {
        say("checking the configs of " + plan.runs().size() + " runs");
        int processes = launch == null ? 1 : launch.nprocPerNode();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / parallel / processes);
        int gpus = -1;
        List<Prepared> out = new ArrayList<>();
        for (int i = 0; i < plan.runs().size(); i++) {
            PlannedRun run = plan.runs().get(i);
            String source =
                    plan.spec().baseSource() + (run.layers() > 0 ? " with " + run.layers() + " flow layers" : "");
            try {
                String base = plan.baseText(run);
                TarflowConfig config = ConfigLoader.parse(base, source, run.overrides(), registry);
                for (String note : config.notes()) say(run.name() + ": note: " + note);
                Tarflow.checkConfig(config, registry);
                int configured = config.train().runtime().threads();
                int runThreads = parallel > 1 && configured == 0 ? threads : configured;
                List<String> overrides = new ArrayList<>(run.overrides());
                if (runThreads != configured) overrides.add("train.threads=" + runThreads);
                String asked = config.train().runtime().device();
                String device = asked;
                if (asked.equals("cuda") && parallel > 1) {
                    if (gpus < 0) gpus = visibleGpus.getAsInt();
                    if (gpus == 0) Devices.open(asked, "train.device = \"cuda\"", false);
                    device = gpu(i, gpus);
                    overrides.add("train.device=" + device);
                }
                TarflowConfig planned = ConfigLoader.parse(base, source, overrides, registry);
                String toml = planned.rawToml();
                RunFiles files = new RunFiles(directory.resolve(run.name()));
                checkExisting(files, toml);
                out.add(new Prepared(
                        run, files, toml, planned, List.of("train.threads=" + runThreads, "train.device=" + device)));
            } catch (SweepException e) {
                throw e;
            } catch (TarflowException e) {
                throw new SweepException("run " + (i + 1) + " of " + plan.runs().size() + ", " + run.name() + " ("
                        + run.describe() + "), is not valid; nothing was trained: " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * The GPU of run {@code index} (in plan order) when runs asking for {@code cuda} train side by side: round-robin
     * over the {@code gpus} visible devices, so that each keeps its GPU when the sweep is started again.
     */
    static String gpu(int index, int gpus) {
        return "cuda:" + index % gpus;
    }

    /**
     * A run directory from an earlier start must hold the same config (thread counts and devices aside, which decide
     * where a run computes, not what), or its results would mislead.
     */
    private static void checkExisting(RunFiles files, String planned) throws IOException {
        if (!Files.exists(files.config())) return;
        if (sameRun(Files.readString(files.config(), StandardCharsets.UTF_8), planned)) return;
        throw new SweepException(files.root() + " holds a run whose config differs from the one this sweep gives it ("
                + files.config() + "); choose another --out, or delete that directory to train it again");
    }

    /**
     * Whether two run configs say the same, thread counts and devices aside. Compared as tables, not as text: the key
     * order of a run's config.toml is the order its process applied overrides in (a sweep started again with another
     * {@code --parallel} writes the threads where the first start did not).
     */
    static boolean sameRun(String existing, String planned) {
        return normalized(existing).equals(normalized(planned));
    }

    private static Map<String, Object> normalized(String toml) {
        return ConfigLoader.parse(toml, "run config", List.of("train.threads=0", "train.device=cpu"))
                .raw();
    }

    private void trainHere(Prepared p) {
        prepare(p);
        say(start(p));
        try {
            p.files.train(p.resumeOverrides, registry, listener.training(p.run));
        } catch (TarflowException e) {
            p.files.fail(e.getMessage());
        } catch (RuntimeException e) {
            p.files.fail("internal error: " + e);
        } finally {
            board.ended(p.files);
            listener.trained(p.run);
        }
        say(end(p));
    }

    /** Readies a run's directory; a run that starts afresh (not from its checkpoint) opens its TensorBoard session. */
    private void prepare(Prepared p) {
        p.files.prepare(p.config);
        if (Files.exists(p.files.checkpoint())) board.resumed(p.files);
        else board.started(p.run, p.files);
    }

    private void trainInProcesses(List<Prepared> todo) {
        Set<Process> live = ConcurrentHashMap.newKeySet();
        Thread stopChildren = new Thread(() -> live.forEach(Process::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(stopChildren);
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            for (Prepared p : todo)
                pool.submit(() -> {
                    try {
                        trainInProcess(p, live);
                    } catch (RuntimeException e) {
                        say(p.run.name() + ": " + e.getMessage());
                    }
                });
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.HOURS)) say("still training: " + live.size() + " runs");
        } catch (InterruptedException e) {
            pool.shutdownNow();
            live.forEach(Process::destroyForcibly);
            Thread.currentThread().interrupt();
            throw new SweepException("the sweep was interrupted; start it again to resume");
        } finally {
            Runtime.getRuntime().removeShutdownHook(stopChildren);
        }
    }

    private void trainInProcess(Prepared p, Set<Process> live) {
        prepare(p);
        say(start(p) + " (log: " + p.files.log() + ")");
        Process process = null;
        try {
            long logStart = Files.exists(p.files.log()) ? Files.size(p.files.log()) : 0;
            if (launch != null) {
                String[] failure = new String[1];
                int status = Launcher.run(
                        launch,
                        SweepWorker.command(p.files.root(), plugins, p.resumeOverrides),
                        Launcher.MainOutput.appendTo(p.files.log()),
                        p.files.root(),
                        line -> failure[0] = line);
                if (status != 0 && p.files.failure() == null)
                    p.files.fail(failure[0] != null ? failure[0] : "its workers failed; see " + p.files.log());
                else if (status == 0 && !p.files.finished())
                    p.files.fail("its workers ended without writing " + p.files.result() + "; see " + p.files.log());
                board.ended(p.files);
                say(end(p));
                return;
            }
            process = new ProcessBuilder(SweepWorker.command(p.files.root(), plugins, p.resumeOverrides))
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(p.files.log().toFile()))
                    .start();
            live.add(process);
            int status = process.waitFor();
            if (status != 0 && p.files.failure() == null)
                p.files.fail("its process exited with status " + status + uncaught(p.files.log(), logStart) + "; see "
                        + p.files.log());
            else if (status == 0 && !p.files.finished())
                p.files.fail("its process ended without writing " + p.files.result() + "; see " + p.files.log());
        } catch (IOException e) {
            p.files.fail("cannot start its process: " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return;
        } finally {
            if (process != null) live.remove(process);
        }
        board.ended(p.files);
        say(end(p));
    }

    /** The exception that ended a process, as the JVM printed it into the log after {@code from}, or "". */
    static String uncaught(Path log, long from) throws IOException {
        String text;
        try (var in = Files.newInputStream(log)) {
            in.skipNBytes(from);
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = UNCAUGHT.matcher(text);
        String last = "";
        while (m.find()) last = " (" + m.group(1).strip() + ")";
        return last;
    }

    private String start(Prepared p) {
        int index = plan.runs().indexOf(p.run) + 1;
        return "[" + index + "/" + plan.runs().size() + "] " + p.run.name() + ": "
                + (Files.exists(p.files.checkpoint()) ? "resuming from its checkpoint" : "training") + " ("
                + p.run.describe() + ")";
    }

    private String end(Prepared p) {
        String failure = p.files.failure();
        return "[" + (plan.runs().indexOf(p.run) + 1) + "/" + plan.runs().size() + "] " + p.run.name() + ": "
                + (failure == null ? "finished" : "failed: " + failure);
    }

    private synchronized void say(String line) {
        listener.message(line);
    }
}
