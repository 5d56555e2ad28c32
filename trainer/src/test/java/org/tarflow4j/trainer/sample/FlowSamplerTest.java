package org.tarflow4j.trainer.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * Generation through the whole stack: cached stepping, round trips, Jacobi iteration and prompted continuation. Every
 * layer's parameters are perturbed from their initial values ({@link TinyLoaded#randomFlow}), so the right-to-left
 * affine layer is not the identity and its inversion must undo its direction.
 */
class FlowSamplerTest {
    private static final long SEED = 5;

    private static Tensor ids(long seed, long batch, long length) {
        torch.manual_seed(seed);
        return torch.randint(27, new long[] {batch, length}, new TensorOptions(torch.ScalarType.Long));
    }

    private static double maxDifference(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    /** Every layer's backbone, stepped with its cache over the layer's input, gives its full forward pass to 1e-5. */
    @Test
    void cachedSteppingGivesTheFeaturesOfTheFullForwardPass() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.MIXED);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            List<Tensor> h = sampler.latents(sampler.encode(ids(SEED, 3, 12))
                    .add(torch.randn(3, 12, 2).mul(new org.bytedeco.pytorch.Scalar(0.3))));
            for (int l = 0; l < model.layers().size(); l++) {
                FlowLayer layer = model.layers().get(l);
                Tensor xs = layer.leftToRight() ? h.get(l) : h.get(l).flip(1);
                Tensor full = layer.backbone().forward(xs);
                TensorVector stepped = new TensorVector();
                try (Backbone.Stepper stepper = layer.backbone().stepper(3)) {
                    for (long t = 0; t < xs.size(1); t++) {
                        stepped.push_back(stepper.next());
                        stepper.accept(xs.narrow(1, t, 1));
                    }
                }
                double err = maxDifference(full, torch.cat(stepped, 1));
                assertTrue(
                        err < 1e-5,
                        "layer " + l + ": max |stepped − full| = " + err + " (tolerance 1e-5, seed " + SEED + ")");
            }
        }
    }

    /** Noise inverted position by position, then encoded again, is the same noise to 1e-4. */
    @Test
    void encodingASampleGivesBackItsNoise() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.MIXED);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(4, 6, 1.0);
            Tensor z = sampler.sample(u, Inversion.SEQUENTIAL);
            assertEquals(List.of(4L, 12L, 2L), List.of(z.size(0), z.size(1), z.size(2)));
            List<Tensor> h = sampler.latents(z);
            double err = maxDifference(h.get(h.size() - 1), u);
            assertTrue(err < 1e-4, "max |f(f⁻¹(u)) − u| = " + err + " (tolerance 1e-4, seed " + SEED + ")");
        }
    }

    /** Jacobi iteration over the whole sequence and over blocks of 2 positions reaches the sequential result to 1e-4. */
    @Test
    void jacobiReachesTheSequentialResult() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.MIXED);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(3, 6, 1.0);
            Tensor sequential = sampler.sample(u, Inversion.SEQUENTIAL);
            for (int block : new int[] {0, 2}) {
                Tensor jacobi = sampler.sample(u, new Inversion(true, block, 1e-10, 100));
                double err = maxDifference(jacobi, sequential);
                assertTrue(
                        err < 1e-4,
                        "block " + block + ": max |jacobi − sequential| = " + err + " (tolerance 1e-4, seed " + SEED
                                + ")");
                assertEquals(3, sampler.lastJacobi().size());
                for (FlowLayer.JacobiReport r : sampler.lastJacobi())
                    assertTrue(
                            r.sweeps() + r.stepped() <= 6,
                            "block " + block + ": at most one sweep or step per position: " + r);
            }
        }
    }

    /**
     * The selective schedule: the data-side layers it steps (one, then two) are inverted position by position and
     * the others by Jacobi iteration, over the whole sequence and over blocks of 2 positions; the latents reach the
     * sequential result to 1e-4 (tolerance 1e-10 per layer), in a stack of patches of 2 with left-to-right and
     * right-to-left layers. The reports show the stepped layers with no sweeps and every position stepped.
     */
    @Test
    void selectiveScheduleStepsTheDataSideLayersAndReachesTheSequentialResult() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.MIXED);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(3, 6, 1.0);
            Tensor sequential = sampler.sample(u, Inversion.SEQUENTIAL);
            for (int stepped : new int[] {1, 2}) {
                for (int block : new int[] {0, 2}) {
                    Inversion how = new Inversion(true, block, 1e-10, 100, stepped);
                    Tensor z = sampler.sample(u, how);
                    double err = maxDifference(z, sequential);
                    assertTrue(
                            err < 1e-4,
                            how.describe() + ": max |selective − sequential| = " + err + " (tolerance 1e-4, seed "
                                    + SEED + ")");
                    List<FlowLayer.JacobiReport> reports = sampler.lastJacobi();
                    assertEquals(3, reports.size());
                    for (int i = 0; i < 3; i++) {
                        FlowLayer.JacobiReport r = reports.get(2 - i); // reports run from the noise side down
                        if (i < stepped)
                            assertEquals(new FlowLayer.JacobiReport(0, 6), r, how.describe() + ", layer " + i);
                        else assertTrue(r.sweeps() > 0, how.describe() + ", layer " + i + ": " + r);
                    }
                }
            }
        }
    }

    /**
     * A left-to-right stack continues a prompt under the selective schedule as it does sequentially: the prompt's
     * latents come back unchanged (to 1e-9) and the continuation is the sequential one (to 1e-4).
     */
    @Test
    void selectiveScheduleContinuesAPrompt() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.LEFT_TO_RIGHT);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            Tensor prompt = sampler.encode(ids(SEED, 1, 4).expand(3, 4));
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(3, 6, 1.0);
            Tensor sequential = sampler.continuePrompt(prompt, u, Inversion.SEQUENTIAL);
            Tensor z = sampler.continuePrompt(prompt, u, new Inversion(true, 0, 1e-12, 100, 1));
            double kept = maxDifference(z.narrow(1, 0, 4), prompt);
            assertTrue(kept < 1e-9, "prompt latents changed by " + kept + " (tolerance 1e-9)");
            double err = maxDifference(z, sequential);
            assertTrue(err < 1e-4, "max |selective − sequential| = " + err + " (tolerance 1e-4, seed " + SEED + ")");
            assertEquals(new FlowLayer.JacobiReport(0, 4), sampler.lastJacobi().get(2), "the data-side layer");
        }
    }

    /**
     * With one sweep per block allowed, the positions the sweep did not settle are stepped with the cache: the result
     * is still the sequential one (to 1e-4).
     */
    @Test
    void jacobiStepsWhatItsSweepsLeave() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.MIXED);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(2, 6, 1.0);
            Tensor jacobi = sampler.sample(u, new Inversion(true, 0, 1e-12, 1));
            List<FlowLayer.JacobiReport> reports = sampler.lastJacobi();
            assertTrue(
                    reports.stream().allMatch(r -> r.sweeps() == 1)
                            && reports.stream().anyMatch(r -> r.stepped() == 5),
                    "one sweep each; the layers step the positions it leaves: " + reports);
            double err = maxDifference(jacobi, sampler.sample(u, Inversion.SEQUENTIAL));
            assertTrue(err < 1e-4, "max |jacobi − sequential| = " + err + " (tolerance 1e-4, seed " + SEED + ")");
        }
    }

    /**
     * In a left-to-right stack the prompt's latents come back unchanged (to 1e-9), the noise after the prompt is the
     * noise given (to 1e-4), and refinement reaches the same continuation (to 1e-4), sequential and Jacobi alike.
     */
    @Test
    void promptIsContinuedExactlyByLeftToRightStacks() {
        TarFlowLM model = TinyLoaded.randomFlow(TinyLoaded.LEFT_TO_RIGHT);
        FlowSampler sampler = new FlowSampler(model, new Noise(SEED));
        try (PointerScope s = new PointerScope()) {
            Tensor prompt = sampler.encode(ids(SEED, 1, 4).expand(3, 4));
            torch.manual_seed(SEED);
            Tensor u = sampler.noise(3, 6, 1.0);
            for (Inversion how : List.of(Inversion.SEQUENTIAL, new Inversion(true, 0, 1e-12, 100))) {
                Tensor z = sampler.continuePrompt(prompt, u, how);
                double kept = maxDifference(z.narrow(1, 0, 4), prompt);
                assertTrue(kept < 1e-9, how.describe() + ": prompt latents changed by " + kept + " (tolerance 1e-9)");
                List<Tensor> h = sampler.latents(z);
                double noise = maxDifference(h.get(h.size() - 1).narrow(1, 2, 4), u.narrow(1, 2, 4));
                assertTrue(
                        noise < 1e-4,
                        how.describe() + ": noise after the prompt off by " + noise + " (tolerance 1e-4, seed " + SEED
                                + ")");
                FlowSampler.Refinement refined = sampler.refinePrompt(prompt, u, how, 5);
                double same = maxDifference(refined.z(), z);
                assertTrue(
                        same < 1e-4,
                        how.describe() + ": refinement differs by " + same + " after " + refined.rounds()
                                + " rounds (tolerance 1e-4)");
                assertTrue(refined.settled() && refined.rounds() <= 3, "settles in at most 3 rounds: " + refined);
            }
        }
    }
}
