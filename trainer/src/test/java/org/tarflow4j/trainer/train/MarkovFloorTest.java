package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.data.Corpora;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.data.MarkovChain;
import org.tarflow4j.data.TokenSplit;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.model.TinyModels;

/**
 * No model may score below the entropy rate of the text it models. The text is a sample of an order-2 Markov chain over
 * the 26 letters whose rate is known exactly ({@link MarkovChain#entropyRateBits}, 3.169 bits): {@code p(c | a, b) ∝
 * q(c) (1 + 3 [c = a])}, skewed letter frequencies {@code q(c) ∝ 0.8^c} with the letter two back made four times
 * likelier, so that a tiny model gets near the rate in 150 steps. A tiny flow (the tied Mix-d stack) and the ar
 * baseline are trained on it; their test bounds (the ELBO, and for the flow also the importance-weighted bound with 16
 * latent samples) must not go below what the true chain scores on the same test tokens, minus 0.15 bits: the
 * per-letter surprisal has a standard deviation of 1.74 bits, so a mean over the test split's 5,000 letters varies by
 * 0.025, and 0.15 is six of those. Each model must also end within 1 bit of the rate, so that a bound off by a term
 * worth a bit (the encoder's entropy, a log-determinant, the decoder) fails either way. Measured: flow ELBO 3.50,
 * importance-weighted 3.43, ar 3.38 bits; the chain on the test split 3.17.
 */
class MarkovFloorTest {
    private static final double TOLERANCE_BITS = 0.15;
    private static final int LETTERS = 26;

    /** The chain over ids 1-26 (a-z); the space (id 0) never occurs, so the text is one word that text8 keeps as is. */
    static MarkovChain chain() {
        int v = LETTERS + 1;
        double[][][] t = new double[v][v][v];
        for (int a = 0; a < v; a++)
            for (int b = 0; b < v; b++) {
                double sum = 0;
                for (int c = 1; c < v; c++) sum += t[a][b][c] = Math.pow(0.8, c) * (c == a ? 4 : 1);
                for (int c = 1; c < v; c++) t[a][b][c] /= sum;
            }
        return new MarkovChain(t);
    }

    private static String config(Path corpus, String model) {
        return model + """
                [data]
                source = "%s"
                [train]
                steps = 150
                batch = 16
                lr = 5e-3
                warmup = 10
                eval_every = 0
                checkpoint_every = 0
                log_every = 25
                threads = 2
                tensorboard = false
                [eval]
                batch = 32
                """.formatted(corpus.toString().replace("\\", "/"));
    }

    @Test
    void neitherTheFlowNorTheArBaselineGoesBelowTheChainsRate(@TempDir Path dir) throws Exception {
        MarkovChain chain = chain();
        double rate = chain.entropyRateBits();
        int[] sample = chain.sample(100_000, 3);
        StringBuilder text = new StringBuilder();
        for (int id : sample) text.append((char) ('a' + id - 1));
        Path file = Files.writeString(dir.resolve("markov.txt"), text);
        Corpus corpus = Corpora.text(List.of(file), "char", dir.resolve("markov"), m -> {});
        TokenSplit test = corpus.split("test");
        double trueOnTest = chain.bitsPerSymbol(test.read(0, (int) test.size()));

        for (String kind : List.of("flow", "ar")) {
            Path toml = dir.resolve(kind + ".toml");
            Files.writeString(
                    toml,
                    config(
                            dir.resolve("markov"),
                            TinyModels.STACK + (kind.equals("ar") ? "[ar.backbone_options]\ndepth = 2\n" : "")));
            Trainer.Outcome o = Tarflow.train(
                    toml,
                    List.of("model.kind=" + kind),
                    dir.resolve(kind),
                    null,
                    TrainerTest.REGISTRY,
                    new TrainingListener() {});
            double bits = o.test().natsPerToken() / Math.log(2);
            System.out.printf(
                    "%s: test %.4f bits per character; the chain's rate %.4f, the chain on the test split %.4f%n",
                    kind, bits, rate, trueOnTest);
            assertTrue(bits < rate + 1, kind + " did not learn the letter frequencies: " + bits);
            assertTrue(
                    bits >= trueOnTest - TOLERANCE_BITS,
                    kind + " scores " + bits + " bits per character, below the chain's own " + trueOnTest);
            if (kind.equals("flow")) {
                double iw = Tarflow.evaluate(dir.resolve(kind), "test", 16, List.of(), TrainerTest.REGISTRY)
                                .evaluation()
                                .natsPerToken()
                        / Math.log(2);
                System.out.printf("flow: importance-weighted bound (K = 16) %.4f bits per character%n", iw);
                assertTrue(iw >= trueOnTest - TOLERANCE_BITS, "the importance-weighted bound " + iw);
            }
        }
    }
}
