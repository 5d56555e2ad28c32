package org.tarflow4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class PlacementTest {
    @Test
    void namesParseAndPrintTheSame() {
        assertSame(Placement.CPU, Placement.of("cpu"));
        assertSame(Placement.META, Placement.of("meta"));
        assertEquals(Placement.cuda(0), Placement.of("cuda"));
        assertEquals("cuda:0", Placement.of("cuda").name());
        assertEquals("cuda:3", Placement.of("cuda:3").name());
        assertEquals(3, Placement.of("cuda:3").index());
        assertEquals(-1, Placement.CPU.index());
        assertTrue(Placement.of("cuda:1").isCuda());
        assertFalse(Placement.of("cuda:1").isCpu());
        assertEquals(torch.DeviceType.CUDA, Placement.of("cuda:1").type());
        assertEquals(torch.DeviceType.Meta, Placement.META.type());
        assertThrows(IllegalArgumentException.class, () -> Placement.of("tpu"));
        assertThrows(IllegalArgumentException.class, () -> Placement.of("cuda:-1"));
        assertThrows(IllegalArgumentException.class, () -> Placement.of("CUDA"));
    }

    @Test
    void tensorsAreMadeAndMovedWhereThePlacementSays() {
        try (PointerScope scope = new PointerScope()) {
            for (Placement p : new Placement[] {Placement.CPU, Placement.META}) {
                Tensor made = torch.zeros(new long[] {2, 3}, p.options(torch.ScalarType.Double));
                assertEquals(p, Placement.of(made));
                assertEquals("Double", made.scalar_type().toString());
                assertEquals(
                        "Float",
                        torch.ones(new long[] {1}, p.options()).scalar_type().toString());
                Tensor ids = p.longs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
                assertEquals(p, Placement.of(ids));
                assertArrayEquals(new long[] {2, 3}, ids.sizes().vec().get());
                assertEquals(p, Placement.of(p.put(torch.ones(2))));
                assertEquals(p, Placement.of(p.doubles(new double[] {0.5, 1.5})));
            }
        }
    }

    @Test
    void javaReadsValuesThroughAHostCopyOfAnyShape() {
        try (PointerScope scope = new PointerScope()) {
            Tensor ids = Placement.CPU.longs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertArrayEquals(new long[] {1, 4, 2, 5, 3, 6}, Placement.hostLongs(ids.t()));
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, Placement.hostDoubles(ids), 0);
            Tensor meta = Placement.META.longs(new long[] {1, 2});
            assertThrows(RuntimeException.class, () -> Placement.hostLongs(meta), "meta tensors hold no values");
        }
    }

    @Test
    void contextsOfEarlierApisAreOnTheCpu() {
        assertEquals(Placement.CPU, new CouplingContext(2, 1, 4, 5, Optional.empty()).placement());
        assertEquals(Placement.CPU, new BackboneContext(2, 8).placement());
        assertEquals(Placement.CPU, new MixerContext(2, 1).placement());
        assertEquals(
                Placement.cuda(1), new CouplingContext(2, 1, 4, 5, Optional.empty(), Placement.cuda(1)).placement());
        assertThrows(IllegalArgumentException.class, () -> new BackboneContext(2, 8, null));
    }
}
