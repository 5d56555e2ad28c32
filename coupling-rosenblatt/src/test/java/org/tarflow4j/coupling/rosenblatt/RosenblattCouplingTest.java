package org.tarflow4j.coupling.rosenblatt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.Normal;
import org.tarflow4j.testkit.Parameters;

class RosenblattCouplingTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final long SEED = 31337L;

    private static Coupling create(Map<String, ?> options, CouplingContext context) {
        Options table = Options.of("couplings.rosenblatt", "test", options);
        Coupling c = new RosenblattCouplingProvider().create(table, context);
        table.requireAllRead();
        c.module().to(torch.ScalarType.Double, false);
        return c;
    }

    private static double maxAbs(Tensor t) {
        return t.abs().max().item_double();
    }

    /** V = 1 is a Gaussian: u = (x − μ)/σ and log-det = −d log σ per token, to 1e-12. */
    @Test
    void oneComponentIsAGaussian() {
        Coupling c = create(Map.of(), new CouplingContext(6, 3, 5, 1, Optional.empty()));
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Parameters.fillNormal(c, 0.7);
            Tensor mu = Parameters.get(c, "codebook.means").reshape(-1);
            double logSigma = Parameters.get(c, "codebook.log_scales").item_double();
            Tensor x = torch.randn(new long[] {2, 3, 6}, F64).mul(new Scalar(4.0));
            Transformed out = c.forward(x, torch.randn(new long[] {2, 3, 5}, F64));
            Tensor expected = x.sub(torch.cat(new org.bytedeco.pytorch.TensorVector(mu, mu)))
                    .div(new Scalar(Math.exp(logSigma)));
            double errU = maxAbs(out.value().sub(expected));
            double errDet = maxAbs(out.logDet().add(new Scalar(6 * logSigma)));
            assertTrue(errU < 1e-12, "u vs (x − μ)/σ: " + errU + " (tolerance 1e-12, seed " + SEED + ")");
            assertTrue(errDet < 1e-12, "log-det vs −Σ log σ: " + errDet + " (tolerance 1e-12, seed " + SEED + ")");
        }
    }

    /**
     * The log-det equals log p(x) − Σ log φ(u), with log p(x) = logsumexp_k(log π_k + Σ_i log N(x_i; μ_ki, σ_k²))
     * evaluated directly over [B, T, P, V, d], to 1e-10.
     */
    @Test
    void logDetIsTheJointDensityMinusTheNormalOne() {
        CouplingContext context = new CouplingContext(6, 3, 5, 9, Optional.empty());
        Coupling c = create(Map.of(), context);
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Parameters.fillNormal(c, 0.5);
            Tensor h = torch.randn(new long[] {2, 3, 5}, F64);
            Tensor x = torch.randn(new long[] {2, 3, 6}, F64);
            Transformed out = c.forward(x, h);

            Tensor logPi = torch.log_softmax(
                    torch.linear(
                                    h,
                                    Parameters.get(c, "head.weight"),
                                    new TensorOptional(Parameters.get(c, "head.bias")))
                            .unflatten(-1, 2, 9),
                    -1);
            Tensor means = Parameters.get(c, "codebook.means");
            Tensor logScales = Parameters.get(c, "codebook.log_scales");
            Tensor z = x.unflatten(-1, 2, 3)
                    .unsqueeze(-2)
                    .sub(means)
                    .div(logScales.exp().unsqueeze(-1));
            Tensor perComponent =
                    Normal.logPdf(z).sub(logScales.unsqueeze(-1)).sum(new long[] {-1}, false, new ScalarTypeOptional());
            Tensor logP = torch.logsumexp(logPi.add(perComponent), new long[] {-1}, false)
                    .sum(new long[] {-1}, false, new ScalarTypeOptional());
            Tensor expected =
                    logP.sub(Normal.logPdf(out.value()).sum(new long[] {-1}, false, new ScalarTypeOptional()));
            double err = maxAbs(out.logDet().sub(expected));
            assertTrue(
                    err < 1e-10, "log-det vs log p(x) − Σ log φ(u): " + err + " (tolerance 1e-10, seed " + SEED + ")");
        }
    }

    /**
     * Tokens of a patch are independent given the features: changing token 0 leaves u of token 1 exactly as it was.
     * With {@code patch_autoregressive} token 1 sees token 0 (its u changes), and token 0 still sees nothing of token 1.
     */
    @ParameterizedTest(name = "patch_autoregressive = {0}")
    @ValueSource(booleans = {false, true})
    void tokensOfAPatchSeeOnlyEarlierOnesAndOnlyWhenAsked(boolean patchAutoregressive) {
        Coupling c = create(
                Map.of("patch_autoregressive", patchAutoregressive), new CouplingContext(4, 2, 5, 7, Optional.empty()));
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Tensor h = torch.randn(new long[] {1, 3, 5}, F64);
            Tensor x = torch.randn(new long[] {1, 3, 4}, F64);
            Tensor u = c.forward(x, h).value();
            Tensor bumped = x.clone();
            bumped.narrow(2, 0, 2).add_(new Scalar(0.7));
            Tensor v = c.forward(bumped, h).value();
            double token1 = maxAbs(v.narrow(2, 2, 2).sub(u.narrow(2, 2, 2)));
            if (patchAutoregressive) assertTrue(token1 > 1e-6, "token 1 must see token 0: " + token1);
            else assertEquals(0.0, token1, 0.0, "token 1 must not see token 0");
            assertTrue(maxAbs(v.narrow(2, 0, 2).sub(u.narrow(2, 0, 2))) > 1e-3, "token 0 changes");
            Tensor later = x.clone();
            later.narrow(2, 2, 2).add_(new Scalar(0.7));
            assertEquals(
                    0.0,
                    maxAbs(c.forward(later, h).value().narrow(2, 0, 2).sub(u.narrow(2, 0, 2))),
                    0.0,
                    "token 0 must not see token 1");
        }
    }

    /** A tied codebook is read on every call: shifting its means and x by the same amount leaves u unchanged (1e-12). */
    @Test
    void tiedCodebookIsLive() {
        Tensor means = torch.randn(new long[] {11, 3}, F64);
        Tensor logScales = torch.full(new long[] {11}, new Scalar(Math.log(0.3)), F64);
        CouplingContext context = new CouplingContext(3, 3, 5, 11, Optional.of(Codebooks.of(means, logScales)));
        Coupling c = create(Map.of("tie_to_encoder", true), context);
        assertTrue(!Parameters.named(c).containsKey("codebook.means"), "a tied coupling has no codebook of its own");
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Tensor h = torch.randn(new long[] {2, 2, 5}, F64);
            Tensor x = torch.randn(new long[] {2, 2, 3}, F64);
            Tensor before = c.forward(x, h).value();
            means.add_(new Scalar(1.5));
            Tensor after = c.forward(x.add(new Scalar(1.5)), h).value();
            assertTrue(maxAbs(after.sub(before)) < 1e-12, "u after moving codebook and data together");
            assertTrue(maxAbs(c.forward(x, h).value().sub(before)) > 0.1, "u with the moved codebook alone differs");
        }
    }

    /** GPT-2 sized vocabulary (V = 50257, d = 4): forward and inverse round-trip to 1e-6, all converged. */
    @Test
    void handlesAGpt2SizedVocabulary() {
        Tensor means = torch.randn(new long[] {50257, 4}, F64);
        Tensor logScales = torch.full(new long[] {50257}, new Scalar(Math.log(0.2)), F64);
        CouplingContext context = new CouplingContext(4, 4, 8, 50257, Optional.of(Codebooks.of(means, logScales)));
        Coupling c = create(Map.of("tie_to_encoder", true), context);
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Tensor h = torch.randn(new long[] {1, 3, 8}, F64);
            Tensor u = torch.randn(new long[] {1, 3, 4}, F64);
            Tensor x = c.inverse(u, h);
            assertEquals(0, c.lastInverse().unconverged(), c.lastInverse().toString());
            double err = maxAbs(c.forward(x, h).value().sub(u));
            assertTrue(err < 1e-6, "u→x→u " + err + " (tolerance 1e-6), " + c.lastInverse());
        }
    }

    /** {@code chunk_megabytes} only with the lean path; {@code density_dtype} is float64 or float32. */
    @Test
    void memoryAndDtypeOptions() {
        CouplingContext context = new CouplingContext(4, 4, 5, 10, Optional.empty());
        OptionException chunk = assertThrows(
                OptionException.class, () -> create(Map.of("lean", false, "chunk_megabytes", 64.0), context));
        assertTrue(
                chunk.getMessage().contains("chunk_megabytes")
                        && chunk.getMessage().contains("lean = true"),
                chunk.getMessage());
        OptionException dtype =
                assertThrows(OptionException.class, () -> create(Map.of("density_dtype", "half"), context));
        assertTrue(dtype.getMessage().contains("density_dtype"), dtype.getMessage());
        RosenblattCoupling lean = (RosenblattCoupling) create(Map.of("chunk_megabytes", 1.0), context);
        long perPosition = RosenblattCoupling.bytesPerPosition(1, 4, 10, 8);
        assertEquals((1 << 20) / perPosition, lean.positionsPerChunk(), "positions that fit 1 MB");
    }

    @Test
    void tyingNeedsACodebookAndNoInitOptions() {
        CouplingContext none = new CouplingContext(4, 4, 5, 10, Optional.empty());
        OptionException missing =
                assertThrows(OptionException.class, () -> create(Map.of("tie_to_encoder", true), none));
        assertTrue(
                missing.getMessage().contains("tie_to_encoder")
                        && missing.getMessage().contains("no encoder codebook"),
                missing.getMessage());
        CouplingContext some =
                new CouplingContext(4, 4, 5, 10, Optional.of(Codebooks.of(torch.zeros(10, 4), torch.zeros(10))));
        OptionException init = assertThrows(
                OptionException.class, () -> create(Map.of("tie_to_encoder", true, "init_scale", 0.1), some));
        assertTrue(init.getMessage().contains("init_scale"), init.getMessage());
    }
}
