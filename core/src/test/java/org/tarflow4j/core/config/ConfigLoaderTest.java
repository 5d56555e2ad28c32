package org.tarflow4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.ComponentNames;

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
                        + "log_every, tensorboard, progressive, stage_steps, stage_patience, bf16, device, threads, tf32, max_bad_steps, rendezvous_timeout, collective_timeout. Remove or rename it.",
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
                "unknown key 'stepz' in [train] (--set train.stepz=5); known keys here: steps, minutes, batch, "
                        + "accumulate, lr, min_lr, warmup, weight_decay, beta1, beta2, clip, seed, eval_every, eval_batches, "
                        + "checkpoint_every, log_every, tensorboard, progressive, stage_steps, stage_patience, bf16, device, threads, tf32, max_bad_steps, "
                        + "rendezvous_timeout, collective_timeout. "
                        + "Remove or rename it.",
                error(BASE, "train.stepz=5"));
        assertEquals(
                "[train] steps must be an integer, but is the string \"lots\" (--set train.steps=lots)",
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

    /** The paper's names, as the registry resolves them (its own test checks that it does). */
    private static final ComponentNames PAPER = (kind, name) -> switch (name.toLowerCase(java.util.Locale.ROOT)) {
        case "mix-1", "mog" -> "mog";
        case "mix-d", "rosenblatt" -> "rosenblatt";
        default -> name;
    };

    private static TarflowConfig parsePaper(String text, String... overrides) {
        return ConfigLoader.parse(text, "test.toml", List.of(overrides), PAPER);
    }

    @Test
    void switchingACouplingDropsTheOptionsTheFileGaveTheOldOneAndSaysSo() {
        TarflowConfig c = parse(BASE, "flow[*].coupling=mog");
        assertEquals(Map.of(), c.flow().get(0).coupling().options());
        assertEquals(
                List.of("flow[0].coupling is now mog; its coupling_options for rosenblatt (tie_to_encoder) no longer"
                        + " apply"),
                c.notes());
        assertTrue(!c.rawToml().contains("tie_to_encoder"), c.rawToml());
        assertEquals(List.of(), parse(BASE).notes());
        assertEquals(List.of(), parse(BASE, "flow[1].coupling=mog").notes(), "no switch: flow[1] is mog already");
    }

    @Test
    void optionsSetOnTheCommandLineStayWithTheNewComponent() {
        TarflowConfig c = parse(BASE, "flow[0].coupling_options.mixtures=4", "flow[0].coupling=mog");
        assertEquals(Map.of("mixtures", 4L), c.flow().get(0).coupling().options());
        assertEquals(1, c.notes().size());
        c = parse(BASE, "flow[0].coupling=mog", "flow[0].coupling=rosenblatt");
        assertEquals(Map.of("tie_to_encoder", true), c.flow().get(0).coupling().options(), "switched back: kept");
        assertEquals(List.of(), c.notes());
    }

    @Test
    void switchingABackboneOrMixerDropsItsOwnOptionsOnly() {
        String text = BASE.replace(
                "tie_to_encoder = true",
                "tie_to_encoder = true\n[flow.backbone_options]\ndepth = 4\n[flow.mixer_options]\nseed = 1");
        TarflowConfig c = parse(
                text + "[ar]\nbackbone = \"transformer\"\n[ar.backbone_options]\ndepth = 6\n",
                "flow[0].backbone=other",
                "flow[0].mixer=identity",
                "ar.backbone=other");
        assertEquals(Map.of("tie_to_encoder", true), c.flow().get(0).coupling().options());
        assertEquals(Map.of(), c.flow().get(0).backbone().options());
        assertEquals(Map.of(), c.flow().get(0).mixer().options());
        assertEquals(Map.of(), c.ar().backbone().options());
        assertEquals(
                List.of(
                        "flow[0].backbone is now other; its backbone_options for transformer (depth) no longer apply",
                        "flow[0].mixer is now identity; its mixer_options for even-odd (seed) no longer apply",
                        "ar.backbone is now other; its backbone_options for transformer (depth) no longer apply"),
                c.notes());
    }

    @Test
    void unsetRemovesValuesAndTables() {
        TarflowConfig c = parse(BASE, "--unset flow[0].coupling_options", "--unset train.steps");
        assertEquals(Map.of(), c.flow().get(0).coupling().options());
        assertEquals(
                parse("[model]\nlatent = 4\ncontext = 64\n[[flow]]\n").train().steps(),
                c.train().steps());
        assertEquals(List.of(), c.notes(), "removing options switches nothing");
        assertEquals(
                Map.of(),
                parse(BASE, "--unset flow[*].coupling_options")
                        .flow()
                        .get(0)
                        .coupling()
                        .options());
        assertEquals(
                List.of(),
                parse(BASE, "--unset couplings.mog.mixtures")
                        .shared(ComponentKind.COUPLING)
                        .get("mog")
                        .keySet()
                        .stream()
                        .toList());
        c = parse(BASE, "--unset flow[0].coupling");
        assertEquals("mog", c.flow().get(0).coupling().name(), "the default coupling");
        assertEquals(1, c.notes().size(), "unsetting a component switches to the default one");
        c = parse(
                BASE,
                "--unset flow[0].coupling_options.tie_to_encoder",
                "flow[0].coupling_options.tie_to_encoder=true");
        assertEquals(Map.of("tie_to_encoder", true), c.flow().get(0).coupling().options(), "in command-line order");
    }

    @Test
    void badUnsetsSayWhatIsWrong() {
        assertEquals(
                "--unset 'train.stepz': the config has no train.stepz to remove; check the path ('tarflow config"
                        + " check' prints the whole config)",
                error(BASE, "--unset train.stepz"));
        assertEquals(
                "--unset 'flow[*].backbone_options': the config has no flow[*].backbone_options in any layer to"
                        + " remove; check the path ('tarflow config check' prints the whole config)",
                error(BASE, "--unset flow[*].backbone_options"));
        assertEquals(
                "--unset 'steps': name the table and the key, e.g. --unset flow[0].coupling_options",
                error(BASE, "--unset steps"));
        assertEquals(
                "--unset 'trian.steps': unknown table [trian]; tables are model, flow, ar, data, train, eval, sample,"
                        + " couplings, backbones, mixers",
                error(BASE, "--unset trian.steps"));
    }

    @Test
    void valuesSetOnTheCommandLineKnowWhereTheyCameFrom() {
        TarflowConfig c = parse(BASE, "flow[*].coupling=affine", "couplings.mog.mixtures=3");
        assertEquals("--set flow[*].coupling=affine", c.sourceOf("flow[1].coupling"));
        assertEquals("--set couplings.mog.mixtures=3", c.sourceOf("couplings.mog.mixtures"));
        assertEquals("test.toml", c.sourceOf("train.steps"));
        assertEquals(
                "--unset flow[0].coupling",
                parse(BASE, "flow[0].coupling=affine", "--unset flow[0].coupling")
                        .sourceOf("flow[0].coupling"),
                "the default came from the unset");
        assertEquals(
                "[model] latent is 0, expected a value in [1, 4096] (--set model.latent=0)",
                error(BASE, "model.latent=0"));
    }

    @Test
    void aliasesBecomeCanonicalNames() {
        TarflowConfig c = parsePaper(BASE, "flow[0].coupling=Mix-d");
        assertEquals("rosenblatt", c.flow().get(0).coupling().name());
        assertEquals(Map.of("tie_to_encoder", true), c.flow().get(0).coupling().options(), "the same coupling");
        assertEquals(List.of(), c.notes());
        c = parsePaper(BASE, "flow[*].coupling=MIX-1", "couplings.Mix-1.mixtures=3");
        assertEquals(
                List.of("mog", "mog"),
                c.flow().stream().map(l -> l.coupling().name()).toList());
        assertEquals(3L, c.shared(ComponentKind.COUPLING).get("mog").get("mixtures"));
        assertEquals(1, c.notes().size());
        c = parsePaper(BASE.replace("coupling = \"rosenblatt\"", "coupling = \"Mix-d\"")
                .replace("[couplings.mog]", "[couplings.Mix-1]"));
        assertEquals("rosenblatt", c.flow().get(0).coupling().name());
        assertEquals(8L, c.shared(ComponentKind.COUPLING).get("mog").get("mixtures"));
        assertTrue(
                c.rawToml().contains("coupling = \"rosenblatt\"")
                        && !c.rawToml().contains("Mix-"),
                c.rawToml());
        assertEquals(
                "[couplings.Mix-1] and [couplings.mog] in test.toml both configure the coupling 'mog'; merge them"
                        + " into [couplings.mog]",
                assertThrows(ConfigException.class, () -> parsePaper(BASE + "[couplings.Mix-1]\nmixtures = 4\n"))
                        .getMessage());
    }
}
