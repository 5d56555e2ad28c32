package org.tarflow4j.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.tensorboard.EventReader;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.Summary;

/**
 * The real TensorBoard shows a trained two-point sweep: {@code tensorboard --logdir SWEEP_DIR} (the Rust data server
 * and the Python loader) lists each point's run with every scalar the trainer wrote, its config, samples and trace,
 * its histograms, and the HParams dashboard's two sessions with their values, status and final test BPC. Needs a
 * Python with the {@code tensorboard} package ({@code TARFLOW_TENSORBOARD_PYTHON}, or {@code python3}); skipped with the
 * reason printed where there is none.
 */
class SweepTensorBoardTest {
    private static String python;
    private static String skipReason;
    private static String noRustServer;

    @TempDir
    static Path dir;

    static Path sweep;

    @BeforeAll
    static void trainASweep() throws Exception {
        String candidate = System.getenv().getOrDefault("TARFLOW_TENSORBOARD_PYTHON", "python3");
        try {
            Process check = new ProcessBuilder(candidate, "-c", "import tensorboard")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (check.waitFor(120, TimeUnit.SECONDS) && check.exitValue() == 0) python = candidate;
            else
                skipReason =
                        candidate + " cannot import tensorboard (" + out.substring(out.lastIndexOf('\n') + 1) + ")";
        } catch (IOException e) {
            skipReason = candidate + " cannot be run (" + e.getMessage() + ")";
        }
        if (python == null) {
            skipReason = "skipped: no TensorBoard to serve the sweep: " + skipReason
                    + "; set TARFLOW_TENSORBOARD_PYTHON to a Python with the tensorboard package";
            System.out.println(skipReason);
            return;
        }
        noRustServer = rustServerMissing(python);
        sweep = dir.resolve("sweep");
        SweepSpec spec = SweepRunTest.spec(dir, "couplings.mog.mixtures=2,3");
        new Sweep(spec, sweep, 1, SweepRunTest.REGISTRY, null, new SweepRunTest.Recorder((run, step) -> {})).run();
    }

    @Test
    void withTheRustDataServer() throws Exception {
        Assumptions.assumeTrue(python != null, skipReason);
        Assumptions.assumeTrue(noRustServer == null, noRustServer);
        serve("true");
    }

    /**
     * Why TensorBoard's Rust data server cannot run here (the platform-independent {@code tensorboard-data-server}
     * wheel has no binary), or null when it can.
     */
    static String rustServerMissing(String python) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        python, "-c", "import tensorboard_data_server as s; print(s.server_binary() is not None)")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor(120, TimeUnit.SECONDS) && out.endsWith("True")) return null;
        String reason = "skipped: " + python + " has no binary of TensorBoard's Rust data server (" + out
                + "); the Python loader reads the sweep instead";
        System.out.println(reason);
        return reason;
    }

    @Test
    void withThePythonLoader() throws Exception {
        serve("false");
    }

    private void serve(String loadFast) throws Exception {
        Assumptions.assumeTrue(python != null, skipReason);
        // What the trainer wrote, read back in Java: run → tag → step → value.
        Map<String, Map<String, Map<Long, Float>>> written = new TreeMap<>();
        int count = 0;
        for (String run : List.of("mixtures-2/tb", "mixtures-3/tb"))
            for (Path file : EventReader.eventFiles(sweep.resolve(run)))
                for (Event e : EventReader.read(file))
                    for (Summary.Value v : e.getSummary().getValueList())
                        if (v.getValueCase() == Summary.Value.ValueCase.SIMPLE_VALUE) {
                            written.computeIfAbsent(run, k -> new TreeMap<>())
                                    .computeIfAbsent(v.getTag(), k -> new TreeMap<>())
                                    .put(e.getStep(), v.getSimpleValue());
                            count++;
                        }
        Path script = Path.of(System.getProperty("tarflow.root"))
                .resolve("tensorboard/src/test/resources/org/tarflow4j/tensorboard/read_with_tensorboard.py");
        Process process = new ProcessBuilder(
                        python,
                        script.toString(),
                        sweep.toString(),
                        loadFast,
                        "mixtures-2/tb,mixtures-3/tb",
                        Integer.toString(count))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "TensorBoard finished");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.endsWith("done\n"), output);

        Map<String, Map<String, Map<Long, Float>>> served = new TreeMap<>();
        Map<String, Set<String>> texts = new TreeMap<>();
        Map<String, Set<String>> histograms = new TreeMap<>();
        List<String> hparams = new ArrayList<>();
        List<String> sessions = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] f = line.split("\t", -1);
            for (int i = 1; i < f.length; i++) f[i] = URLDecoder.decode(f[i], StandardCharsets.UTF_8);
            switch (f[0]) {
                case "scalar" ->
                    served.computeIfAbsent(f[1], k -> new TreeMap<>())
                            .computeIfAbsent(f[2], k -> new TreeMap<>())
                            .put(Long.parseLong(f[3]), (float) Double.parseDouble(f[4]));
                case "text" -> texts.computeIfAbsent(f[1], k -> new TreeSet<>()).add(f[2] + "@" + f[3]);
                case "histogram" ->
                    histograms.computeIfAbsent(f[1], k -> new TreeSet<>()).add(f[2] + "@" + f[3]);
                case "hparam" -> hparams.add(f[1] + " " + f[2] + " " + f[3]);
                case "session" -> sessions.add(f[2] + " " + f[3] + " " + f[4] + " " + f[5]);
                default -> {}
            }
        }
        assertEquals(written, served, "every scalar, as written");
        for (String run : List.of("mixtures-2/tb", "mixtures-3/tb")) {
            assertEquals(Set.of("config@0", "samples@3", "samples@6", "trace@3", "trace@6"), texts.get(run), run);
            assertEquals(
                    Set.of(
                            "abs_u/layer_1@3",
                            "abs_u/layer_1@6",
                            "abs_u/layer_2@3",
                            "abs_u/layer_2@6",
                            "encoder/codebook_norm@3",
                            "encoder/codebook_norm@6",
                            "encoder/sigma@3",
                            "encoder/sigma@6"),
                    histograms.get(run),
                    run);
        }
        assertEquals(List.of("couplings.mog.mixtures DATA_TYPE_FLOAT64 2.0,3.0"), hparams);
        sessions.sort(null);
        assertEquals(2, sessions.size(), sessions.toString());
        for (int i = 0; i < 2; i++) {
            String run = i == 0 ? "mixtures-2/tb" : "mixtures-3/tb";
            String s = sessions.get(i);
            assertTrue(s.startsWith(run + " STATUS_SUCCESS couplings.mog.mixtures=" + (i == 0 ? "2.0" : "3.0")), s);
            float test = written.get(run).get("final/test_bpc").get(6L);
            assertTrue(s.contains("final/test_bpc=" + (double) test), s + " has the final test BPC " + test);
        }
    }
}
