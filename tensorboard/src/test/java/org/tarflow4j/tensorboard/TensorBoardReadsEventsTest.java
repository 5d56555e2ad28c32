package org.tarflow4j.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real TensorBoard reads what {@link SummaryWriter} writes: a two-point sweep is served by the {@code tensorboard}
 * command (with the Rust data server and with the Python loader), and its dashboards' HTTP routes return the scalars,
 * text, histograms and hparams written. Needs a Python with the {@code tensorboard} package ({@code python3}, or the
 * interpreter named by {@code TARFLOW_TENSORBOARD_PYTHON}); skipped with the reason printed where there is none.
 */
class TensorBoardReadsEventsTest {
    private static String python;
    private static String skipReason;

    @TempDir
    Path dir;

    @BeforeAll
    static void findTensorBoard() throws InterruptedException {
        String candidate = System.getenv().getOrDefault("TARFLOW_TENSORBOARD_PYTHON", "python3");
        String why;
        try {
            Process check = new ProcessBuilder(candidate, "-c", "import tensorboard; print(tensorboard.__version__)")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (check.waitFor(120, TimeUnit.SECONDS) && check.exitValue() == 0) {
                python = candidate;
                System.out.println("TensorBoard " + out + " from " + candidate);
                return;
            }
            why = candidate + " cannot import tensorboard (" + lastLine(out) + ")";
        } catch (IOException e) {
            why = candidate + " cannot be run (" + e.getMessage() + ")";
        }
        skipReason = "skipped: no TensorBoard to read the event files: " + why
                + "; set TARFLOW_TENSORBOARD_PYTHON to a Python with the tensorboard package. The framing tests in"
                + " SummaryWriterTest and TfRecordTest stand in for it.";
        System.out.println(skipReason);
        System.err.println(skipReason);
    }

    @ParameterizedTest(name = "load_fast={0}")
    @ValueSource(strings = {"true", "false"})
    void tensorBoardShowsTheSweep(String loadFast) throws Exception {
        Assumptions.assumeTrue(python != null, skipReason);
        if (loadFast.equals("true")) Assumptions.assumeTrue(rustServer(), noRustServer);
        Path sweep = dir.resolve("sweep");
        try (SummaryWriter root = SummaryWriter.open(sweep)) {
            root.hparamsExperiment(
                    List.of(new HParam("coupling", List.of("affine", "mog")), new HParam("lr", List.of(1e-3, 3e-3))),
                    List.of(new HParamMetric("val/bpc"), new HParamMetric("train/loss")));
        }
        writeRun(sweep.resolve("point-0/tb"), "affine", 1e-3, 0.0, SessionStatus.SUCCESS);
        writeRun(sweep.resolve("point-1/tb"), "mog", 3e-3, 0.25, SessionStatus.FAILURE);

        Path script = dir.resolve("read_with_tensorboard.py");
        try (InputStream in = TensorBoardReadsEventsTest.class.getResourceAsStream("read_with_tensorboard.py")) {
            Files.copy(in, script);
        }
        Process process = new ProcessBuilder(
                        python, script.toString(), sweep.toString(), loadFast, "point-0/tb,point-1/tb", "14")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "TensorBoard finished");
        System.out.println(output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.endsWith("done\n"), output);

        Map<String, List<String[]>> lines = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] fields = line.split("\t", -1);
            for (int i = 1; i < fields.length; i++) {
                fields[i] = URLDecoder.decode(fields[i], StandardCharsets.UTF_8);
            }
            lines.computeIfAbsent(fields[0], k -> new ArrayList<>()).add(fields);
        }
        for (String[] plugin : lines.get("plugin")) {
            assertEquals("True", plugin[2], plugin[1] + " dashboard enabled");
        }

        // Scalars: 5 training losses and 2 validation BPCs per run, as written (as 32-bit floats).
        List<String> scalars = new ArrayList<>();
        for (String[] s : lines.get("scalar")) {
            scalars.add(s[1] + " " + s[2] + " " + s[3] + " " + (float) Double.parseDouble(s[4]));
        }
        List<String> expected = new ArrayList<>();
        for (String run : List.of("point-0/tb", "point-1/tb")) {
            double offset = run.equals("point-0/tb") ? 0.0 : 0.25;
            for (int step = 0; step < 5; step++) {
                expected.add(run + " train/loss " + step + " " + (float) (3.0 - 0.25 * step + offset));
            }
            expected.add(run + " val/bpc 2 " + (float) (2.1 + offset));
            expected.add(run + " val/bpc 4 " + (float) (1.9 + offset));
        }
        expected.sort(null);
        scalars.sort(null);
        assertEquals(expected, scalars);

        // Text: Markdown rendered to HTML; the config as a TOML code block.
        List<String> texts = new ArrayList<>();
        for (String[] t : lines.get("text")) {
            texts.add(t[1] + " " + t[2] + " " + t[3]);
            if (t[2].equals("samples")) {
                assertTrue(t[4].contains("<em>quick</em>") && t[4].contains("fox é"), t[4]);
            } else {
                assertTrue(t[4].contains("<code") && t[4].contains("latent = 5"), t[4]);
            }
        }
        assertEquals(
                List.of("point-0/tb config 0", "point-0/tb samples 4", "point-1/tb config 0", "point-1/tb samples 4"),
                texts);

        // Histograms: all 6 values in the buckets, spanning [min, max].
        for (String[] h : lines.get("histogram")) {
            assertEquals("encoder/sigma", h[2]);
            assertEquals("4", h[3]);
            assertEquals(6.0, Double.parseDouble(h[4]));
            assertEquals(-1.0, Double.parseDouble(h[5]), 1e-6);
            assertEquals(2.5, Double.parseDouble(h[6]), 1e-6);
        }
        assertEquals(2, lines.get("histogram").size());

        // HParams: the experiment as declared, one row per run with its values, last metrics and status.
        List<String> hparams = new ArrayList<>();
        for (String[] h : lines.get("hparam")) {
            hparams.add(String.join(" ", List.of(h).subList(1, h.length)));
        }
        assertEquals(
                List.of("coupling DATA_TYPE_STRING \"affine\",\"mog\"", "lr DATA_TYPE_FLOAT64 0.001,0.003"), hparams);
        List<String> metrics = new ArrayList<>();
        for (String[] m : lines.get("metric")) {
            metrics.add(m[1]);
        }
        assertEquals(List.of("val/bpc", "train/loss"), metrics);
        List<String> sessions = new ArrayList<>();
        for (String[] s : lines.get("session")) {
            sessions.add(s[2] + " " + s[3] + " " + s[4] + " " + s[5]);
        }
        sessions.sort(null);
        assertEquals(
                List.of(
                        "point-0/tb STATUS_SUCCESS coupling=\"affine\";lr=0.001 val/bpc=" + (double) (float) 1.9
                                + ";train/loss=" + (double) (float) 2.0,
                        "point-1/tb STATUS_FAILURE coupling=\"mog\";lr=0.003 val/bpc=" + (double) (float) 2.15
                                + ";train/loss=" + (double) (float) 2.25),
                sessions);
    }

    private static void writeRun(Path runDir, String coupling, double lr, double offset, SessionStatus status) {
        try (SummaryWriter run = SummaryWriter.open(runDir)) {
            run.hparamsSessionStart(Map.of("coupling", coupling, "lr", lr));
            run.config("[model]\nlatent = 5\n");
            for (int step = 0; step < 5; step++) {
                run.scalar("train/loss", step, 3.0 - 0.25 * step + offset);
                if (step == 2 || step == 4) {
                    run.scalar("val/bpc", step, (step == 2 ? 2.1 : 1.9) + offset);
                }
            }
            run.text("samples", 4, "the *quick* fox é");
            run.histogram("encoder/sigma", 4, new double[] {-1.0, 0.5, 0.5, 1.0, 2.0, 2.5});
            run.hparamsSessionEnd(4, status);
        }
    }

    /**
     * Whether TensorBoard's Rust data server can run (the platform-independent {@code tensorboard-data-server} wheel,
     * e.g. from an offline wheel folder, has no binary); when it cannot, the Python loader's case still runs.
     */
    private static boolean rustServer() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        python, "-c", "import tensorboard_data_server as s; print(s.server_binary() is not None)")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor(120, TimeUnit.SECONDS) && out.endsWith("True")) return true;
        noRustServer = "skipped: " + python + " has no binary of TensorBoard's Rust data server (" + lastLine(out)
                + "); the Python loader's case reads the events";
        System.out.println(noRustServer);
        return false;
    }

    private static String noRustServer;

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
