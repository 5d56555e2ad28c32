package org.tarflow4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.ComponentKind;

class ConfigLoaderTest {
    private static final String BASE = """
            [model]
            latent = 4
            context = 64

            [[flow]]
            coupling = "rosenblatt"
            [flow.coupling_options]
            tie_to_encoder = true

            [[flow]]
            coupling = "mog"

            [couplings.mog]
            mixtures = 8

            [train]
            steps = 10
            """;

    private static TarflowConfig parse(String text, String... overrides) {
        return ConfigLoader.parse(text, "test.toml", List.of(overrides));
    }

    private static String error(String text, String... overrides) {
        return assertThrows(ConfigException.class, () -> parse(text, overrides)).getMessage();
    }

    @Test
    void readsSectionsLayersAndDefaults() {
        TarflowConfig c = parse(BASE);
        assertEquals(4, c.model().latent());
        assertEquals(64, c.model().context());
        assertEquals(2, c.flow().size());
        assertEquals("rosenblatt", c.flow().get(0).coupling().name());
        assertEquals(true, c.flow().get(0).coupling().options().get("tie_to_encoder"));
        assertEquals("l2r", c.flow().get(0).direction());
        assertEquals("r2l", c.flow().get(1).direction(), "directions alternate by default");
        assertEquals(8L, c.shared(ComponentKind.COUPLING).get("mog").get("mixtures"));
        assertEquals(10, c.train().steps());
        assertEquals(32, c.train().batch(), "default");
    }

    @Test
    void unknownKeyNamesKeyTableAndFile() {
        assertEquals(
                "unknown key 'stepz' in [train] (test.toml); known keys here: steps, minutes, batch, accumulate, lr, "
                        + "min_lr, warmup, weight_decay, beta1, beta2, clip, seed, eval_every, eval_batches, checkpoint_every, "
                        + "log_every, tensorboard, progressive, stage_steps, stage_patience, bf16, device, threads, max_bad_steps, rendezvous_timeout, collective_timeout. Remove or rename it.",
                error(BASE + "stepz = 3\n"));
        assertTrue(error(BASE.replace("coupling = \"mog\"", "coupling = \"mog\"\ncoupler = 1"))
                .startsWith("unknown key 'coupler' in [flow[1]] (test.toml)"));
        assertEquals(
                "unknown table [trian] in test.toml; tables are model, flow, ar, data, train, eval, sample, couplings, backbones, mixers",
                error(BASE + "[trian]\nsteps = 1\n"));
    }

    @Test
    void wrongTypeNamesExpectedType() {
        assertEquals(
                "[train] steps must be an integer, but is the string \"ten\" (test.toml)",
                error(BASE.replace("steps = 10", "steps = \"ten\"")));
        assertEquals(
                "[model] latent must be an integer, but is the number 4.5 (test.toml)",
                error(BASE.replace("latent = 4", "latent = 4.5")));
        assertEquals(
                "test.toml: flow layers are an array of tables; write each layer as [[flow]], not [flow]",
                error("[flow]\ncoupling = \"mog\"\n"));
    }

    @Test
    void dottedKeyShowsTheTableForm() {
        assertEquals(
                "test.toml, line 18: 'encoder.sigma = 0.5' is a dotted key (TOML 1.0), which tarflow's TOML 0.4 reader "
                        + "does not accept; write it as a table instead:\n  [train.encoder]\n  sigma = 0.5",
                error(BASE + "encoder.sigma = 0.5\n"));
        assertTrue(error("train.steps = 5\n").endsWith("write it as a table instead:\n  [train]\n  steps = 5"));
    }

    @Test
    void commentsAfterTableHeadersAreComments() {
        TarflowConfig c =
                parse(BASE.replace("[couplings.mog]", "[couplings.mog]   # every layer using \"mog\" [not the others]")
                        .replace("[[flow]]", "[[flow]] # a layer"));
        assertEquals(8L, c.shared(ComponentKind.COUPLING).get("mog").get("mixtures"));
        assertEquals(2, c.flow().size());
    }

    @Test
    void rangeAndConsistencyChecks() {
        assertEquals(
                "[model] context is 63, which is not divisible by patch = 2; choose a context that is a multiple of the patch size (test.toml)",
                error(BASE.replace("context = 64", "context = 63\npatch = 2")));
        assertTrue(error(BASE, "train.device=tpu")
                .contains("[train] device is \"tpu\", expected \"cpu\", \"cuda\" or \"cuda:N\""));
    }

    @Test
    void overridesGoThroughTheSameValidation() {
        TarflowConfig c =
                parse(BASE, "train.steps=500", "flow[1].coupling=affine", "couplings.mog.mixtures=2", "train.lr=3e-4");
        assertEquals(500, c.train().steps());
        assertEquals(3e-4, c.train().optimizer().lr());
        assertEquals("affine", c.flow().get(1).coupling().name());
        assertEquals(2L, c.shared(ComponentKind.COUPLING).get("mog").get("mixtures"));
        assertEquals(
                List.of("mog", "mog"),
                parse(BASE, "flow[*].coupling=mog").flow().stream()
                        .map(l -> l.coupling().name())
                        .toList());
        assertEquals(
                5,
                parse(BASE, "flow[0].coupling_options.extra=5")
                                        .flow()
                                        .get(0)
                                        .coupling()
                                        .options()
                                        .get("extra")
                                instanceof Long l
                        ? l.intValue()
                        : -1);
    }

    @Test
    void badOverridesSayWhatIsWrong() {
        assertEquals(
                "unknown key 'stepz' in [train] (test.toml with --set train.stepz=5); known keys here: steps, minutes, batch, "
                        + "accumulate, lr, min_lr, warmup, weight_decay, beta1, beta2, clip, seed, eval_every, eval_batches, "
                        + "checkpoint_every, log_every, tensorboard, progressive, stage_steps, stage_patience, bf16, device, threads, max_bad_steps, "
                        + "rendezvous_timeout, collective_timeout. "
                        + "Remove or rename it.",
                error(BASE, "train.stepz=5"));
        assertEquals(
                "[train] steps must be an integer, but is the string \"lots\" (test.toml with --set train.steps=lots)",
                error(BASE, "train.steps=lots"));
        assertEquals(
                "--set 'flow[5].coupling=mog': the config has 2 [[flow]] tables (flow[0] to flow[1])",
                error(BASE, "flow[5].coupling=mog"));
        assertEquals("--set 'steps=5': name the table and the key, e.g. train.steps=500", error(BASE, "steps=5"));
        assertEquals(
                "--set 'train.steps': expected KEY=VALUE, e.g. --set train.steps=500 or --set flow[1].coupling=mog",
                error(BASE, "train.steps"));
        assertEquals(
                "--set 'trian.steps=5': unknown table [trian]; tables are model, flow, ar, data, train, eval, sample, couplings, backbones, mixers",
                error(BASE, "trian.steps=5"));
        assertEquals(
                "--set 'flow.coupling=mog': flow is an array of tables; index it, as in flow[0]",
                error(BASE, "flow.coupling=mog"));
    }

    @Test
    void resolvedConfigRoundTrips(@TempDir Path dir) throws Exception {
        TarflowConfig c = parse(BASE, "train.steps=7");
        Path file = dir.resolve("resolved.toml");
        Files.writeString(file, c.toToml());
        TarflowConfig again = ConfigLoader.load(file, List.of());
        assertEquals(c.resolved(), again.resolved());
        assertEquals(c.train(), again.train());
        assertEquals(c.flow(), again.flow());
        assertTrue(c.toToml().contains("[[flow]]\ncoupling = \"rosenblatt\""), c.toToml());
    }

    @Test
    void builtInDefaultIsValid() {
        TarflowConfig c = ConfigLoader.load(null, List.of());
        assertEquals(ConfigLoader.DEFAULT_SOURCE, c.source());
        assertTrue(c.model().isFlow());
        assertEquals("rosenblatt", c.flow().get(0).coupling().name());
    }

    @Test
    void missingFileSaysSo() {
        String m = assertThrows(ConfigException.class, () -> ConfigLoader.load(Path.of("/no/such.toml"), List.of()))
                .getMessage();
        assertTrue(m.startsWith("config file /no/such.toml does not exist"), m);
    }
}
