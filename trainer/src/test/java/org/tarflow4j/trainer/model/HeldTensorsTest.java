package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Placement;

/**
 * The model moves to its device once, with {@code Module.to}, which moves registered parameters and buffers only: a
 * tensor a component keeps in a field without registering it (a constant, a view of a weight made at construction)
 * stays on the CPU and meets the GPU's tensors at the first step. Every tensor the built-in models' objects hold must
 * therefore be one of the model's parameters or buffers.
 */
class HeldTensorsTest {
    private static final int VOCAB = 27;

    /** The tensors held by {@code root} that are not registered parameters or buffers of {@code module}. */
    static List<String> unregistered(Object root, Module module) {
        Set<Long> registered = new HashSet<>();
        for (StringTensorDict d : List.of(module.named_parameters(), module.named_buffers()))
            for (long i = 0; i < d.size(); i++)
                registered.add(d.get(i).value().unsafeGetTensorImpl().address());
        List<String> out = new ArrayList<>();
        List<String> closed = HeldTensors.walk(root, (path, t) -> {
            if (!registered.contains(t.unsafeGetTensorImpl().address())) out.add(path);
            return null;
        });
        assertEquals(List.of(), closed, "fields the walk could not read (open their packages to the tests)");
        return out;
    }

    @Test
    void everyTensorTheBuiltInModelsHoldMovesWithThem() {
        for (String[] model : List.of(new String[] {TinyModels.STACK}, new String[] {TinyModels.FLOW}, new String[] {
            TinyModels.FLOW, "model.kind=ar"
        })) {
            LanguageModel m = TinyModels.build(model[0], VOCAB, java.util.Arrays.copyOfRange(model, 1, model.length))
                    .model();
            int[] held = {0};
            HeldTensors.walk(m, (path, t) -> {
                held[0]++;
                return null;
            });
            assertTrue(held[0] > 10, "tensors found: " + held[0]);
            assertEquals(List.of(), unregistered(m, m.module()), "held but not registered, so not moved");
        }
    }

    /** A component that keeps a constant and a view of its weight is caught. */
    @Test
    void aTensorLeftOutOfTheModuleIsFound() {
        final class Careless extends Module {
            final Tensor weight;
            final Tensor table;
            final Tensor firstRow;

            Careless() {
                weight = torch.randn(new long[] {3, 2}, Placement.CPU.options());
                register_parameter("weight", weight);
                table = torch.ones(new long[] {4}, Placement.CPU.options());
                firstRow = weight.narrow(0, 0, 1);
            }
        }
        Careless c = new Careless();
        assertEquals(List.of("Careless.table", "Careless.firstRow"), unregistered(c, c));
    }
}
