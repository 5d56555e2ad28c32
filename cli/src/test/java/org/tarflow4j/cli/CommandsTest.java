package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command a user runs on a trained model, end to end through the command line, on one tiny model. */
class CommandsTest {
    static final String TINY = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "rosenblatt"
            [flow.coupling_options]
            tie_to_encoder = true
            [[flow]]
            coupling = "mog"
            [couplings.mog]
            mixtures = 4
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [ar.backbone_options]
            depth = 2
            width = 16
            heads = 2
            [ar]
            embedding = 16
            [train]
            steps = 4
            batch = 4
            eval_every = 0
            checkpoint_every = 2
            [eval]
            batch = 8
            max_batches = 2
            """;

    @TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void train() throws Exception {
        config = Files.writeString(dir.resolve("tiny.toml"), TINY);
        MainTest.Run r = MainTest.tarflow(
                "train", config.toString(), "--run-dir", dir.resolve("run").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.out().contains("valid ")
                        && r.out().contains(" BPC (")
                        && r.out().contains("ELBO over"),
                r.out());
        assertTrue(r.out().contains("run directory: " + dir.resolve("run")), r.out());
        assertTrue(r.out().contains("learning curves: " + dir.resolve("run/plots")), r.out());
        assertTrue(Files.exists(dir.resolve("run/plots/learning-curves.png")), "train draws its curves");
        assertTrue(Files.isDirectory(dir.resolve("run/tb")), "and writes TensorBoard events");
    }

    @Test
    void plotExportAndImportRunOnTheRun() {
        MainTest.Run r = MainTest.tarflow(
                "plot",
                dir.resolve("run").toString(),
                dir.resolve("run").toString(),
                "--out",
                dir.resolve("p").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(
                dir.resolve("p/learning-curves.png") + "\n" + dir.resolve("p/learning-curves-time.png") + "\n",
                r.out().replace(System.lineSeparator(), "\n"));
        r = MainTest.tarflow("plot", dir.toString());
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(r.err().startsWith("error: " + dir + " is not a run directory"), r.err());

        Path file = dir.resolve("weights/tiny.safetensors");
        r = MainTest.tarflow(
                "export", dir.resolve("run").toString(), "--format", "safetensors", "--out", file.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(" tensors (") && r.out().contains("written to " + file), r.out());
        assertTrue(Files.exists(dir.resolve("weights/tiny.json")), "the metadata beside it");
        r = MainTest.tarflow(
                "import", file.toString(), "--out", dir.resolve("imported").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("read into " + dir.resolve("imported/last.ckpt")), r.out());
        r = MainTest.tarflow("eval", dir.resolve("imported").toString(), "--split", "valid");
        assertEquals(0, r.status(), r.err());
        r = MainTest.tarflow("export", dir.resolve("run").toString(), "--format", "onnx");
        assertEquals(Main.USER_ERROR, r.status());
        assertEquals(
                "error: --format onnx: tarflow4j exports safetensors (--format safetensors)",
                r.err().strip());
    }

    @Test
    void evalPrintsOneLineAndWritesTheJsonNextToTheCheckpoint() {
        MainTest.Run r = MainTest.tarflow("eval", dir.resolve("run").toString(), "--split", "valid", "--samples", "2");
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.out()
                        .strip()
                        .matches(
                                "valid \\d+\\.\\d{4} BPC \\(\\d+\\.\\d{4} nats/token, IW bound, K=2 over \\d{1,3}(,\\d{3})*"
                                        + " tokens\\) at step 4; JSON in "
                                        + Pattern.quote(dir.resolve("run/eval-valid-k2.json")
                                                .toString())),
                r.out());
        assertTrue(Files.exists(dir.resolve("run/eval-valid-k2.json")));
        r = MainTest.tarflow("eval", dir.resolve("run").toString(), "--split", "valid", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().strip().startsWith("{") && r.out().strip().endsWith("}"), r.out());
        for (String field : new String[] {"\"estimator\": \"elbo\"", "\"step\": 4", "\"bpc\": ", "\"data\": {"})
            assertTrue(r.out().contains(field), field + " in\n" + r.out());
    }

    @Test
    void infoShowsWhatTheCheckpointNeedsAndWhereTheRunStands() {
        MainTest.Run r = MainTest.tarflow("info", dir.resolve("run").toString());
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("checkpoint: " + dir.resolve("run/last.ckpt") + " (tarflow4j-checkpoint/"), out);
        assertTrue(out.contains("\nstep 4, "), out);
        assertTrue(out.contains("components (all available here):"), out);
        assertTrue(
                out.lines()
                        .anyMatch(l ->
                                l.replaceAll("\\s+", " ").equals("coupling rosenblatt 1.4.0 flow[0] 1.4.0 (built-in)")),
                out);
        assertTrue(out.contains("data: europarl corpus, text8 tokenizer, train "), out);
        assertTrue(out.contains("last train record: step 4, loss "), out);
        assertTrue(out.contains("final test: ") && out.contains(" BPC, "), out);
        assertTrue(out.contains("config:\n[model]\n") && out.contains("coupling = \"rosenblatt\""), out);

        r = MainTest.tarflow("info", dir.resolve("run/last.ckpt").toString(), "--json");
        assertEquals(0, r.status(), r.err());
        for (String field :
                new String[] {"\"step\": 4,", "\"loadable\": true", "\"kind\": \"europarl\"", "\"result\": {"})
            assertTrue(r.out().contains(field), field + " in\n" + r.out());
        assertEquals(
                6, r.out().split("\"owner\": ", -1).length - 1, "coupling, backbone and mixer of 2 layers\n" + r.out());
    }

    @Test
    void sampleTraceAndEditRunOnTheCheckpoint() {
        MainTest.Run r =
                MainTest.tarflow("sample", dir.resolve("run").toString(), "--num", "2", "--length", "8", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("{")).count(), r.out());
        r = MainTest.tarflow(
                "sample", dir.resolve("run").toString(), "--num", "1", "--length", "8", "--prompt", "the ");
        assertEquals(0, r.status(), r.err());
        r = MainTest.tarflow("trace", dir.resolve("run").toString(), "--text", "the cat sat");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("the cat sat"), r.out());
        r = MainTest.tarflow(
                "trace", dir.resolve("run").toString(), "--sample", "--num", "1", "--length", "8", "--seed", "3");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("generation order"), r.out());
        MainTest.Run sampled = MainTest.tarflow(
                "sample",
                dir.resolve("run").toString(),
                "--num",
                "1",
                "--length",
                "8",
                "--seed",
                "3",
                "--decode",
                "argmax");
        String text =
                sampled.out().strip().lines().reduce((a, b) -> b).orElseThrow().strip();
        assertTrue(
                r.out().strip().endsWith(text), "the traced sample ends at the sampled text " + text + ":\n" + r.out());
        r = MainTest.tarflow(
                "edit", dir.resolve("run").toString(), "--text", "the cat sat on", "--span", "4:8", "--num", "2");
        assertEquals(0, r.status(), r.err());
        r = MainTest.tarflow(
                "edit", dir.resolve("run").toString(), "--from", "the cat", "--to", "a doggy", "--steps", "3");
        assertEquals(0, r.status(), r.err());
    }

    /**
     * {@code sample --judge AR_RUN} scores the samples with an ar baseline and times the baseline generating as many
     * samples in the same rounds: the flow's speed as a ratio to it, per way of inverting. A flow as judge is refused.
     */
    @Test
    void sampleWithAJudgeTimesTheJudgeInTurn() {
        MainTest.Run r = MainTest.tarflow(
                "train",
                config.toString(),
                "--set",
                "model.kind=ar",
                "--run-dir",
                dir.resolve("ar").toString());
        assertEquals(0, r.status(), r.err());
        String run = dir.resolve("run").toString();
        String[] judged = {
            "sample",
            run,
            "--num",
            "2",
            "--length",
            "8",
            "--judge",
            dir.resolve("ar").toString()
        };
        r = MainTest.tarflow(judged);
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.matches("  judge generating the same \\(timed in turn\\): .* tokens/s; "
                                + "sequential \\d+\\.\\d\\dx \\(cpu \\d+\\.\\d\\dx\\), "
                                + "jacobi \\d+\\.\\d\\dx \\(cpu \\d+\\.\\d\\dx\\) of its speed")),
                r.out());
        String[] json = Arrays.copyOf(judged, judged.length + 1);
        json[judged.length] = "--json";
        r = MainTest.tarflow(json);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"generation\":{\"method\":\"ar (kv cache)\""), r.out());
        r = MainTest.tarflow("sample", run, "--num", "1", "--length", "8", "--judge", run);
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(r.err().strip().startsWith("error: --judge ") && r.err().contains("is not an ar baseline"), r.err());
    }

    /**
     * eval, sample, trace and edit compute on {@code --device}, whatever the checkpoint was trained on: the CPU when
     * asked, and a device this (CPU) build has not refused in one line naming the option, never a fall-back.
     */
    @Test
    void theModelCommandsComputeOnTheDeviceTheyAreGiven() {
        String run = dir.resolve("run").toString();
        MainTest.Run r = MainTest.tarflow("trace", run, "--text", "the cat", "--device", "cpu");
        assertEquals(0, r.status(), r.err());
        for (String[] command : List.of(
                new String[] {"eval", run, "--split", "valid"},
                new String[] {"sample", run, "--num", "1", "--length", "8"},
                new String[] {"trace", run, "--text", "the cat"},
                new String[] {"edit", run, "--text", "the cat sat on", "--span", "4:8"})) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--device", "cuda:1"));
            r = MainTest.tarflow(args.toArray(String[]::new));
            assertEquals(Main.USER_ERROR, r.status(), command[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(
                    r.err().startsWith("error: --device cuda:1, but this build of tarflow4j has the CPU natives"),
                    command[0] + ": " + r.err());
        }
    }

    @Test
    void userErrorsOfTheModelCommandsAreOneLine() {
        MainTest.Run r = MainTest.tarflow("trace", dir.resolve("run").toString(), "--text", "Ünïcode");
        assertEquals(Main.USER_ERROR, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = MainTest.tarflow("sample", dir.resolve("nothing").toString());
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(r.err().startsWith("error: " + dir.resolve("nothing") + " does not exist"), r.err());
        r = MainTest.tarflow("sample", dir.resolve("run").toString(), "--set", "flow[1].coupling=affine");
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(
                r.err()
                        .startsWith("error: --set cannot change the architecture of the trained model in "
                                + dir.resolve("run/last.ckpt")),
                r.err());
        assertTrue(r.err().contains("flow[1].coupling"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = MainTest.tarflow("info", dir.resolve("nothing").toString());
        assertEquals(Main.USER_ERROR, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void sweepRunsAGridAndWritesItsTable() {
        Path out = dir.resolve("sweep");
        MainTest.Run r = MainTest.tarflow(
                "sweep",
                config.toString(),
                "--grid",
                "couplings.mog.mixtures=2,3",
                "--set",
                "train.steps=2",
                "--out",
                out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(
                Files.exists(out.resolve("results.md")) && Files.exists(out.resolve("results.csv")), r.out() + r.err());
        r = MainTest.tarflow("sweep", "report", out.toString());
        assertEquals(0, r.status(), r.err());
    }
}
