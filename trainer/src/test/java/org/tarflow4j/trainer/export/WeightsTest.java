package org.tarflow4j.trainer.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.TinyModels;
import org.tarflow4j.trainer.train.TrainingListener;

/** Export then import: the same parameters and buffers, bit for bit, and the same evaluation bound. */
class WeightsTest {
    static final PluginRegistry REGISTRY = PluginRegistry.host();
    static final String TINY = TinyModels.STACK + """
            [train]
            steps = 4
            batch = 4
            warmup = 1
            eval_every = 0
            checkpoint_every = 2
            threads = 2
            tensorboard = false
            [eval]
            batch = 8
            max_batches = 3
            """;

    @TempDir
    static Path dir;

    static Weights.Exported exported;

    /** A trained tiny run, exported next to its checkpoint. */
    @BeforeAll
    static void trainAndExport() throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.toml"), TINY);
        Tarflow.train(config, List.of(), dir.resolve("run"), null, REGISTRY, new TrainingListener() {});
        exported = Tarflow.export(dir.resolve("run"), "safetensors", null, REGISTRY);
    }

    @Test
    void exportWritesEveryTensorAndItsMetadata() throws Exception {
        assertEquals(dir.resolve("run/last.safetensors"), exported.file());
        assertEquals(dir.resolve("run/last.json"), exported.json());
        SafeTensors.Contents c = SafeTensors.read(exported.file());
        Map<String, String> m = c.metadata();
        assertEquals(Weights.FORMAT, m.get("format"));
        assertEquals("4", m.get("step"));
        assertEquals("text8", m.get("tokenizer"));
        assertTrue(m.get("config").contains("mixtures = 4"), m.get("config"));
        assertTrue(m.get("resolved_config").contains("tensorboard = false"), m.get("resolved_config"));
        assertTrue(m.get("components").contains("\"name\":\"rosenblatt\""), m.get("components"));
        var json = JsonParser.parseString(Files.readString(exported.json())).getAsJsonObject();
        assertEquals(c.tensors().size(), json.getAsJsonArray("tensors").size());
        assertEquals(
                "rosenblatt",
                json.getAsJsonArray("components")
                        .get(1)
                        .getAsJsonObject()
                        .get("name")
                        .getAsString());
        assertEquals(exported.tensors(), c.tensors().size());
        assertEquals("F64", c.get("encoder.means").dtype().name());
        assertTrue(c.tensors().stream().anyMatch(e -> e.dtype() == SafeTensors.Dtype.F32), "the backbones");
    }

    @Test
    void importGivesTheSameParametersAndTheSameBound() {
        Weights.Imported imported = Tarflow.importWeights(exported.file(), dir.resolve("imported"), REGISTRY);
        assertEquals(exported.tensors(), imported.tensors());
        assertEquals(exported.parameters(), imported.parameters());
        LoadedModel a = Tarflow.load(dir.resolve("run"), List.of(), REGISTRY);
        LoadedModel b = Tarflow.load(dir.resolve("imported"), List.of(), REGISTRY);
        try (PointerScope scope = new PointerScope()) {
            for (boolean buffers : new boolean[] {false, true}) {
                StringTensorDict x = buffers
                        ? a.model().module().named_buffers()
                        : a.model().module().named_parameters();
                StringTensorDict y = buffers
                        ? b.model().module().named_buffers()
                        : b.model().module().named_parameters();
                assertEquals(x.size(), y.size());
                for (long i = 0; i < x.size(); i++) {
                    String name = x.get(i).key().getString();
                    assertEquals(name, y.get(i).key().getString());
                    assertTrue(torch.equal(x.get(i).value(), y.get(i).value()), name + " is identical");
                }
            }
        }
        String before = Tarflow.evaluate(dir.resolve("run"), "valid", 1, List.of(), REGISTRY)
                .report();
        String after = Tarflow.evaluate(dir.resolve("imported"), "valid", 1, List.of(), REGISTRY)
                .report();
        assertEquals(nats(before), nats(after), 0.0, "the same bound to the bit");
        assertTrue(Double.isFinite(nats(after)));
    }

    @Test
    void badFilesAndTargetsAreNamed() throws Exception {
        Path foreign = dir.resolve("foreign.safetensors");
        SafeTensors.write(foreign, SafeTensorsTest.everyDtype(), Map.of());
        String m = assertThrows(
                        TarflowException.class, () -> Tarflow.importWeights(foreign, dir.resolve("x"), REGISTRY))
                .getMessage();
        assertTrue(m.contains("was not written by 'tarflow export'"), m);
        m = assertThrows(
                        TarflowException.class,
                        () -> Tarflow.importWeights(exported.file(), dir.resolve("run"), REGISTRY))
                .getMessage();
        assertTrue(m.contains("already holds a checkpoint"), m);
        m = assertThrows(TarflowException.class, () -> Tarflow.export(dir.resolve("run"), "onnx", null, REGISTRY))
                .getMessage();
        assertEquals("--format onnx: tarflow4j exports safetensors (--format safetensors)", m);

        SafeTensors.Contents c = SafeTensors.read(exported.file());
        List<SafeTensors.Entry> fewer = c.tensors().subList(1, c.tensors().size());
        Path missing = dir.resolve("missing.safetensors");
        SafeTensors.write(missing, fewer, c.metadata());
        m = assertThrows(TarflowException.class, () -> Tarflow.importWeights(missing, dir.resolve("y"), REGISTRY))
                .getMessage();
        assertTrue(
                m.contains("does not fit the model its configuration builds: missing ["
                        + c.tensors().get(0).name()),
                m);
    }

    static double nats(String json) {
        return JsonParser.parseString(json)
                .getAsJsonObject()
                .get("nats_per_token")
                .getAsDouble();
    }
}
