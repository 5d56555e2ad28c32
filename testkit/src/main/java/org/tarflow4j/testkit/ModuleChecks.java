package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Checks on a component's libtorch {@link Module} that do not depend on what kind of component it is. Call them inside
 * a {@code PointerScope}.
 */
public final class ModuleChecks {
    private ModuleChecks() {}

    /**
     * The round trip a checkpoint makes: {@code original.save} to an {@link OutputArchive} written to a file, read
     * back into {@code fresh} (a new instance of the same component, whose parameters this check first overwrites
     * with other values) with {@code fresh.load}. Then every parameter and buffer of {@code fresh} has the name,
     * shape, dtype and value of the original's (exactly), every parameter still requires a gradient (training
     * resumes from checkpoints), and {@code outputs} computed with {@code fresh} equal those computed with
     * {@code original} exactly: state the component keeps outside its registered parameters and buffers would make
     * them differ.
     *
     * @param outputs computes the component's outputs with the module it is given, on inputs it draws once
     */
    public static void survivesSaveAndLoad(Module original, Module fresh, Function<Module, List<Tensor>> outputs) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (Tensor p : tensors(fresh.named_parameters(true)).values())
                p.normal_().mul_(new Scalar(0.5));
        }
        Path file;
        try {
            file = Files.createTempFile("tarflow-testkit-", ".pt");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for the save/load check", e);
        }
        try {
            OutputArchive out = new OutputArchive();
            original.save(out);
            out.save_to(file.toString());
            InputArchive in = new InputArchive();
            in.load_from(file.toString());
            fresh.load(in);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temporary file left behind is harmless
            }
        }
        assertSameTensors("parameter", tensors(original.named_parameters(true)), tensors(fresh.named_parameters(true)));
        assertSameTensors("buffer", tensors(original.named_buffers(true)), tensors(fresh.named_buffers(true)));
        List<String> frozen = new ArrayList<>();
        tensors(fresh.named_parameters(true)).forEach((name, p) -> {
            if (!p.requires_grad()) frozen.add(name);
        });
        assertTrue(frozen.isEmpty(), () -> "after load, these parameters no longer require a gradient: " + frozen);
        List<Tensor> expected = outputs.apply(original);
        List<Tensor> actual = outputs.apply(fresh);
        assertEquals(expected.size(), actual.size(), "number of outputs");
        for (int i = 0; i < expected.size(); i++) {
            double diff = maxAbsDiff(expected.get(i), actual.get(i));
            int index = i;
            assertEquals(
                    0.0,
                    diff,
                    0.0,
                    () -> "output " + index + " of the loaded copy differs from the saved module's by " + diff
                            + " (must be identical): the module keeps state outside its registered parameters and"
                            + " buffers, which a checkpoint does not restore");
        }
    }

    /** The tensors of a libtorch name-to-tensor dictionary, by dotted name, in its order. */
    static Map<String, Tensor> tensors(StringTensorDict dict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (long i = 0; i < dict.size(); i++) {
            StringTensorDictItem item = dict.get(i);
            out.put(item.key().getString(), item.value());
        }
        return out;
    }

    private static void assertSameTensors(String kind, Map<String, Tensor> saved, Map<String, Tensor> loaded) {
        assertEquals(saved.keySet(), loaded.keySet(), () -> kind + " names differ between the saved and loaded module");
        saved.forEach((name, s) -> {
            Tensor l = loaded.get(name);
            assertEquals(
                    s.scalar_type().intern(),
                    l.scalar_type().intern(),
                    () -> kind + " " + name + " changed its dtype in the round trip");
            double diff = maxAbsDiff(s, l);
            assertEquals(0.0, diff, 0.0, () -> kind + " " + name + " differs after load by " + diff);
        });
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        assertEquals(shape(a), shape(b), "shapes differ");
        if (a.numel() == 0) return 0.0;
        return a.to(torch.ScalarType.Double)
                .sub(b.to(torch.ScalarType.Double))
                .abs()
                .max()
                .item_double();
    }

    private static List<Long> shape(Tensor t) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < t.dim(); i++) out.add(t.size(i));
        return out;
    }
}
