package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.DataConfig;

/** The order-2 Markov corpus: its exact entropy rate against closed forms, its sample and its manifest. */
class MarkovCorpusTest {
    @TempDir
    Path dir;

    private static double h(double p) {
        return p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
    }

    /**
     * A chain that reads only the last symbol is the order-1 chain {@code P = [[1−α, α], [β, 1−β]]}: stationary
     * {@code (β, α) / (α + β)}, pairs {@code π(a, b) = π_a P_ab}, rate {@code π_0 h(α) + π_1 h(β)}. To 1e-12.
     */
    @Test
    void anOrderOneChainHasItsClosedFormRate() {
        double alpha = 0.3;
        double beta = 0.05;
        double[][] p = {{1 - alpha, alpha}, {beta, 1 - beta}};
        double[][][] t = new double[2][2][];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 2; b++) t[a][b] = p[b].clone();
        MarkovChain chain = new MarkovChain(t);
        double[] single = {beta / (alpha + beta), alpha / (alpha + beta)};
        double[] pi = chain.stationary();
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                assertEquals(single[a] * p[a][b], pi[a * 2 + b], 1e-12, "π(" + a + ", " + b + ")");
        assertEquals(single[0] * h(alpha) + single[1] * h(beta), chain.entropyRateBits(), 1e-12);
    }

    /**
     * Over 3 symbols, "repeat the symbol two back with probability 1 − ε, else one of the other two": every row has
     * entropy {@code h(ε) + ε} bits, whatever the stationary distribution, which is uniform by symmetry. To 1e-12.
     */
    @Test
    void aTrulyOrderTwoChainHasItsClosedFormRate() {
        double eps = 0.2;
        double[][][] t = new double[3][3][3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) for (int c = 0; c < 3; c++) t[a][b][c] = c == a ? 1 - eps : eps / 2;
        MarkovChain chain = new MarkovChain(t);
        assertEquals(h(eps) + eps, chain.entropyRateBits(), 1e-12);
        for (double v : chain.stationary()) assertEquals(1.0 / 9, v, 1e-12);
    }

    @Test
    void aUniformChainHasTheRateLogV() {
        double[][][] t = new double[27][27][27];
        for (double[][] plane : t) for (double[] row : plane) Arrays.fill(row, 1.0 / 27);
        assertEquals(Math.log(27) / Math.log(2), new MarkovChain(t).entropyRateBits(), 1e-12);
    }

    /**
     * The default table (27 symbols, Dirichlet(0.1) rows) is a function of the seed, its rate is well below
     * log₂ 27 = 4.75, and what the true chain scores on a long sample of itself converges to that rate: on 400,000
     * symbols within 0.02 bits (the per-symbol surprisal here has a standard deviation under 2 bits, so the mean's is
     * under 0.004; 0.02 is five of them).
     */
    @Test
    void aRandomChainIsSeededAndItsSampleScoresItsRate() {
        MarkovChain chain = MarkovChain.random(27, 0.1, 7);
        MarkovChain again = MarkovChain.random(27, 0.1, 7);
        MarkovChain other = MarkovChain.random(27, 0.1, 8);
        assertEquals(chain.probability(3, 4, 5), again.probability(3, 4, 5));
        assertNotEquals(chain.probability(3, 4, 5), other.probability(3, 4, 5));
        double rate = chain.entropyRateBits();
        assertTrue(rate > 1.0 && rate < 3.5, "rate " + rate);
        int[] x = chain.sample(400_000, 11);
        assertArrayEquals(x, chain.sample(400_000, 11));
        assertEquals(rate, chain.bitsPerSymbol(x), 0.02);
    }

    @Test
    void theCorpusIsTheChainsSampleSplit90_5_5WithItsRateInTheManifest() throws Exception {
        long length = 20_000;
        Corpus c = Corpora.markov(5, length, 0.1, dir.resolve("m"), m -> {});
        MarkovChain chain = MarkovChain.random(27, 0.1, 5);
        int[] expected = chain.sample((int) length, 5);
        List<Integer> all = new ArrayList<>();
        for (String s : Corpus.SPLITS)
            for (int id : c.split(s).read(0, (int) c.split(s).size())) all.add(id);
        assertEquals(length, all.size());
        for (int i = 0; i < length; i++) assertEquals(expected[i], all.get(i), "token " + i);
        assertEquals(length * 9 / 10, c.split("train").size());
        assertEquals("text8", c.tokenizer().name());
        assertEquals(chain.entropyRateBits(), Corpora.markovEntropyRate(c).orElseThrow(), 0.0);
        assertEquals(
                chain.probability(1, 2, 3),
                Corpora.markovChain(c).orElseThrow().probability(1, 2, 3),
                0.0,
                "the chain is rebuilt from the manifest");
        assertTrue(c.manifest().get("command").toString().startsWith("tarflow data markov --seed 5 --length 20000"));

        List<String> log = new ArrayList<>();
        Corpus reopened = Corpus.open(new DataConfig(dir.resolve("m").toString(), "~/.cache/x"), log::add);
        assertEquals(List.of(), log, "an unchanged corpus is reused");
        assertEquals(length * 9 / 10, reopened.split("train").size());
        Corpora.markov(6, length, 0.1, dir.resolve("m"), log::add);
        assertTrue(log.get(0).contains("out of date"), log.toString());
        assertTrue(Corpora.markovEntropyRate(Corpora.text(
                        List.of(Fixtures.write(dir.resolve("t.txt"), Fixtures.words(1, 500))),
                        "char",
                        dir.resolve("t"),
                        m -> {}))
                .isEmpty());
    }

    @Test
    void badOptionsAreOneLine() {
        TarflowException shortOne =
                assertThrows(TarflowException.class, () -> Corpora.markov(0, 10, 0.1, dir.resolve("a"), m -> {}));
        assertTrue(shortOne.getMessage().contains("--length"), shortOne.getMessage());
        TarflowException zero =
                assertThrows(TarflowException.class, () -> Corpora.markov(0, 1000, 0, dir.resolve("b"), m -> {}));
        assertTrue(zero.getMessage().contains("--concentration"), zero.getMessage());
    }
}
