package org.tarflow4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, case 13: configuration mistakes that were silent or blamed the wrong key are errors naming the key, the
 * file and the fix.
 */
class ConfigMistakesTest {
    private static final String BASE = """
            [model]
            latent = 4
            context = 64
            [[flow]]
            coupling = "affine"
            [train]
            steps = 40
            """;

    private static String error(String text, String... overrides) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(text, "test.toml", List.of(overrides)))
                .getMessage();
    }

    @Test
    void aBinaryFileIsNotAConfig(@TempDir Path dir) throws Exception {
        Path random = dir.resolve("random.toml");
        byte[] bytes = new byte[3000];
        new java.util.Random(14).nextBytes(bytes);
        Files.write(random, bytes);
        String expected = "config file " + random + " is not a text file (it is not UTF-8 text: a binary file?);"
                + " give a TOML file, e.g. one of examples/configs";
        assertEquals(
                expected,
                assertThrows(ConfigException.class, () -> ConfigLoader.load(random, List.of()))
                        .getMessage());
        Path nul = Files.write(dir.resolve("nul.toml"), "[train]\nsteps = 4\0\0\0".getBytes());
        assertEquals(
                expected.replace(random.toString(), nul.toString()),
                assertThrows(ConfigException.class, () -> ConfigLoader.load(nul, List.of()))
                        .getMessage());
        assertEquals(
                "config file " + dir + " is a directory; give the path of a .toml file",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, List.of()))
                        .getMessage());
    }

    @Test
    void anEmptySetValueIsAnErrorNotTheDefault() {
        assertEquals(
                "--set 'train.steps=': no value after '='; give one, e.g. --set train.steps=VALUE (to keep the file's"
                        + " value, leave the --set out; --unset train.steps removes it)",
                error(BASE, "train.steps="));
        assertEquals(
                "--set 'flow[0].coupling=': no value after '='; give one, e.g. --set flow[0].coupling=VALUE (to keep"
                        + " the file's value, leave the --set out; --unset flow[0].coupling removes it)",
                error(BASE, "flow[0].coupling="));
        assertEquals(
                40, ConfigLoader.parse(BASE, "test.toml", List.of()).train().steps(), "the file's value stands");
    }

    @Test
    void aZeroLearningRateBlamesLrNotMinLr() {
        assertEquals(
                "[train] lr is 0.0; the peak learning rate must be positive (the default is 1e-3) (--set train.lr=0)",
                error(BASE, "train.lr=0"));
    }

    @Test
    void zeroStepsAndAOneTokenContextAreRefusedWithReasons() {
        assertEquals(
                "[train] steps is 0; a run needs at least 1 optimizer step (the default is 2000) (--set train.steps=0)",
                error(BASE, "train.steps=0"));
        assertEquals(
                "[model] context is 1; a sequence needs at least 2 flow positions (context >= 2 x patch = 2), or no"
                        + " token has another before it to be modelled from (--set model.context=1)",
                error(BASE, "model.context=1"));
        assertEquals(
                "[model] context is 4; a sequence needs at least 2 flow positions (context >= 2 x patch = 8), or no"
                        + " token has another before it to be modelled from (--set model.context=4)",
                error(BASE, "model.patch=4", "model.context=4"));
    }

    /** 200,000 tables once took 190 s and 20.8 GB; the bound is checked before TOML4J reads them. */
    @Test
    void theNumberOfFlowLayersIsBounded() {
        String many = BASE + "[[flow]]\ncoupling = \"affine\"\n".repeat(ConfigLoader.MAX_FLOW_LAYERS);
        assertEquals(
                "test.toml has " + (ConfigLoader.MAX_FLOW_LAYERS + 1) + " [[flow]] layers; tarflow4j builds at most "
                        + ConfigLoader.MAX_FLOW_LAYERS + " (the paper's models have a handful); remove layers, or"
                        + " deepen each layer's backbone ([flow.backbone_options] depth) instead",
                error(many));
        String atTheBound = BASE + "[[flow]]\ncoupling = \"affine\"\n".repeat(ConfigLoader.MAX_FLOW_LAYERS - 1);
        assertEquals(
                ConfigLoader.MAX_FLOW_LAYERS,
                ConfigLoader.parse(atTheBound, "test.toml", List.of()).flow().size());
    }

    @Test
    void theDifferencesOfTwoConfigsAreNamedAsSetPaths() {
        TarflowConfig a = ConfigLoader.parse(BASE, "a.toml", List.of());
        TarflowConfig b =
                ConfigLoader.parse(BASE, "b.toml", List.of("train.steps=7", "backbones.transformer.width=64"));
        assertEquals(
                "train.steps: 40 -> 7, backbones.transformer.width: (not set) -> 64",
                ConfigDiff.describe(ConfigDiff.between(a, b)));
        assertEquals(List.of(), ConfigDiff.between(a, ConfigLoader.parse(BASE, "c.toml", List.of())));
    }
}
