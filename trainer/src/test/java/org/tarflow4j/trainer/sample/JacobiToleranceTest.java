package org.tarflow4j.trainer.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.model.TinyModels;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * The default Jacobi tolerance is a bound on the distance to the sequential inverse, on a trained model at its full
 * context: a tiny two-layer model (Mix-d tied to the encoder left to right, Mix-1 right to left) trained 60 steps on
 * the embedded corpus, then each layer inverted both ways from the same latents of samples (at the default tolerance
 * and at 1e-3 and 1e-2, which must bound the distance as well).
 */
class JacobiToleranceTest {
    private static final String TRAINED = TinyModels.STACK + """
            [train]
            steps = 60
            batch = 4
            warmup = 5
            eval_every = 0
            checkpoint_every = 0
            threads = 2
            [eval]
            batch = 8
            max_batches = 1
            """;

    @Test
    void defaultToleranceBoundsTheDistanceToTheSequentialInverse(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.toml"), TRAINED);
        PluginRegistry registry = PluginRegistry.host();
        Tarflow.train(config, List.of(), dir.resolve("run"), null, registry, new TrainingListener() {});
        LoadedModel trained = Tarflow.load(dir.resolve("run"), List.of(), registry);
        TarFlowLM model = trained.flow("the test");
        double tolerance = trained.config().sample().jacobiTol();
        assertEquals(1e-4, tolerance, "the default sample.jacobi_tol");
        FlowSampler sampler = new FlowSampler(model, new Noise(3));
        try (PointerScope s = new PointerScope()) {
            Tensor h = sampler.noise(4, trained.context() / model.patch(), 1.0);
            long parallel = 0;
            for (int l = model.layers().size() - 1; l >= 0; l--) {
                FlowLayer layer = model.layers().get(l);
                Tensor sequential = layer.inverse(h);
                for (double tol : new double[] {tolerance, 1e-3, 1e-2}) {
                    Tensor jacobi = layer.inverseJacobi(h.narrow(1, 0, 0), h, 0, tol, 100);
                    FlowLayer.JacobiReport report = layer.lastJacobi();
                    double distance = jacobi.sub(sequential).abs().max().item_double();
                    System.out.printf(
                            "layer %d (%s): max |jacobi − sequential| = %.3g (tolerance %.0e), %s%n",
                            l, layer.leftToRight() ? "l2r" : "r2l", distance, tol, report);
                    assertTrue(
                            distance <= tol,
                            "layer " + l + ": Jacobi is " + distance + " from the sequential inverse, tolerance " + tol
                                    + " (" + report + ")");
                    parallel += h.size(1) - report.stepped();
                }
                h = sequential;
            }
            assertTrue(parallel > 0, "some positions were settled by the sweeps, not stepped");
        }
    }

    /**
     * Layers whose positions depend on each other strongly (every parameter of an untrained model perturbed by
     * N(0, 0.1²)): the tolerance still bounds the distance to the sequential inverse, for tolerances 1e-2 to 1e-4.
     */
    @Test
    void toleranceBoundsTheDistanceOnStronglyCoupledLayers() {
        TarFlowLM model = TinyModels.randomised(TinyLoaded.flow(TinyLoaded.MIXED), 0.1, 41);
        FlowSampler sampler = new FlowSampler(model, new Noise(8));
        try (PointerScope s = new PointerScope()) {
            Tensor h = sampler.noise(8, 6, 1.0);
            for (int l = model.layers().size() - 1; l >= 0; l--) {
                FlowLayer layer = model.layers().get(l);
                Tensor sequential = layer.inverse(h);
                for (double tol : new double[] {1e-4, 1e-3, 1e-2}) {
                    Tensor jacobi = layer.inverseJacobi(h.narrow(1, 0, 0), h, 0, tol, 100);
                    double distance = jacobi.sub(sequential).abs().max().item_double();
                    System.out.printf(
                            "coupled layer %d: max |jacobi − sequential| = %.3g (tolerance %.0e), %s%n",
                            l, distance, tol, layer.lastJacobi());
                    assertTrue(distance <= tol, "layer " + l + ": " + distance + " > tolerance " + tol);
                }
                h = sequential;
            }
        }
    }
}
