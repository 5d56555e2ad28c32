package org.tarflow4j.trainer.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * Python reads what tarflow4j exports, as the README documents it: {@code read_safetensors.py} parses the file from
 * its header and byte layout with numpy, loads it with the {@code safetensors} package (numpy, and PyTorch's {@code
 * safetensors.torch.load_file} where torch is installed), and compares every tensor with the values Java wrote, exactly.
 * Needs a Python with numpy and safetensors ({@code python3}, or the one {@code TARFLOW_PYTHON} names); skipped with
 * the reason printed where there is none.
 */
class SafeTensorsPythonTest {
    private static String python;
    private static String skipReason;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() throws InterruptedException {
        String candidate = System.getenv().getOrDefault("TARFLOW_PYTHON", "python3");
        String why;
        try {
            Process check = new ProcessBuilder(
                            candidate,
                            "-c",
                            "import numpy, safetensors; print(numpy.__version__, safetensors.__version__)")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (check.waitFor(120, TimeUnit.SECONDS) && check.exitValue() == 0) {
                python = candidate;
                System.out.println("numpy and safetensors " + out + " from " + candidate);
                return;
            }
            String[] lines = out.split("\n");
            why = candidate + " cannot import numpy and safetensors (" + lines[lines.length - 1] + ")";
        } catch (IOException e) {
            why = candidate + " cannot be run (" + e.getMessage() + ")";
        }
        skipReason = "skipped: no Python to read the exported safetensors: " + why
                + "; set TARFLOW_PYTHON to a Python with numpy and safetensors (and torch, for safetensors.torch)";
        System.out.println(skipReason);
        System.err.println(skipReason);
    }

    @Test
    void pythonReadsTheExportedModelAndEveryDtype() throws Exception {
        Assumptions.assumeTrue(python != null, skipReason);
        Path config = Files.writeString(dir.resolve("tiny.toml"), WeightsTest.TINY);
        PluginRegistry registry = PluginRegistry.host();
        Tarflow.train(config, List.of(), dir.resolve("run"), null, registry, new TrainingListener() {});
        Weights.Exported model = Tarflow.export(dir.resolve("run"), "safetensors", null, registry);
        Path all = dir.resolve("all.safetensors");
        SafeTensors.write(all, SafeTensorsTest.everyDtype(), Map.of("format", "every dtype"));

        Path script = dir.resolve("read_safetensors.py");
        try (InputStream in = SafeTensorsPythonTest.class.getResourceAsStream("read_safetensors.py")) {
            Files.copy(in, script);
        }
        for (Path file : List.of(model.file(), all)) {
            Path expected = dir.resolve(file.getFileName() + ".expected.json");
            Files.writeString(expected, expected(SafeTensors.read(file)));
            Process p = new ProcessBuilder(python, script.toString(), file.toString(), expected.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES));
            System.out.println(file.getFileName() + ":\n" + out);
            assertEquals(0, p.exitValue(), out);
            int n = SafeTensors.read(file).tensors().size();
            assertTrue(out.contains("layout: " + n + " of " + n + " tensors equal"), out);
            assertTrue(out.contains("safetensors.numpy: "), out);
            assertTrue(out.contains("safetensors.torch: "), out);
            assertTrue(out.endsWith("done\n"), out);
        }
    }

    /** Every tensor's dtype, shape and values (as doubles, exact for every dtype written) as Java sees them. */
    static String expected(SafeTensors.Contents contents) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            for (SafeTensors.Entry e : contents.tensors()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("dtype", e.dtype().name());
                t.put("shape", e.shape());
                t.put("values", doubles(e.tensor()));
                out.put(e.name(), t);
            }
        }
        return new Gson().toJson(out);
    }

    private static double[] doubles(Tensor t) {
        Tensor flat = t.to(torch.ScalarType.Double).contiguous().flatten();
        double[] out = new double[(int) flat.numel()];
        try (DoubleIndexer indexer = flat.createIndexer()) {
            for (int i = 0; i < out.length; i++) out[i] = indexer.get(i);
        }
        return out;
    }
}
