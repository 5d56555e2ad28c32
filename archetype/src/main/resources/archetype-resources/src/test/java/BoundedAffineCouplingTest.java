package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.Seed;

/** What the harness cannot know about this coupling: a new layer is the identity, and bad options are refused. */
class BoundedAffineCouplingTest {
    private static final CouplingContext CONTEXT = CouplingCase.context(4, 2, 6);

    /** At initialisation u = x and the log-det is 0, exactly (the head is zero). */
    @Test
    void aNewLayerIsTheIdentity() {
        Coupling coupling = create(Map.of());
        coupling.module().to(torch.ScalarType.Double, false);
        Seed.run(() -> {
            try (PointerScope scope = new PointerScope()) {
                TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
                Tensor x = torch.randn(new long[] {2, 5, 4}, f64);
                Transformed out = coupling.forward(x, torch.randn(new long[] {2, 5, 6}, f64));
                assertEquals(0.0, out.value().sub(x).abs().max().item_double(), 0.0);
                assertEquals(0.0, out.logDet().abs().max().item_double(), 0.0);
            }
        });
    }

    @Test
    void aNegativeScaleBoundIsRefusedNamingTheOption() {
        OptionException e = assertThrows(OptionException.class, () -> create(Map.of("scale_bound", -1.0)));
        assertTrue(e.getMessage().contains("scale_bound"), e.getMessage());
    }

    private static Coupling create(Map<String, ?> options) {
        return new BoundedAffineCouplingProvider()
                .create(Options.of("couplings.${couplingName}", "test", options), CONTEXT);
    }
}
