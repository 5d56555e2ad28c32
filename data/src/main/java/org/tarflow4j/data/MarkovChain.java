package org.tarflow4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A stationary order-2 Markov chain over {@code V} symbols, {@code p(c | a, b)} for the two symbols before: a
 * synthetic text whose entropy rate is known exactly, so no model of it may score below that rate (a bound that goes
 * below it has its bookkeeping wrong).
 *
 * <p>The chain on pairs {@code (a, b) → (b, c)} has the stationary distribution {@code π(a, b)} (solved exactly by
 * {@link #stationary()}), and the entropy rate is {@code H = −Σ_{a,b} π(a, b) Σ_c p(c | a, b) log₂ p(c | a, b)} bits
 * per symbol. {@link #random} draws each row {@code p(· | a, b)} from a symmetric Dirichlet: a small concentration
 * makes sparse rows and a rate well below {@code log₂ V}.
 */
public final class MarkovChain {
    private final int symbols;
    /** {@code p(c | a, b)} at {@code [(a·V + b)·V + c]}. */
    private final double[] table;

    /** @param table {@code p(c | a, b)}, indexed {@code [a][b][c]}; every row sums to 1 */
    public MarkovChain(double[][][] table) {
        symbols = table.length;
        this.table = new double[symbols * symbols * symbols];
        for (int a = 0; a < symbols; a++) {
            if (table[a].length != symbols)
                throw new IllegalArgumentException("the table must be V × V × V, row " + a + " has " + table[a].length);
            for (int b = 0; b < symbols; b++) {
                if (table[a][b].length != symbols) throw new IllegalArgumentException("the table must be V × V × V");
                double sum = 0;
                for (int c = 0; c < symbols; c++) {
                    double p = table[a][b][c];
                    if (!(p >= 0)) throw new IllegalArgumentException("p(" + c + " | " + a + ", " + b + ") = " + p);
                    sum += p;
                    this.table[(a * symbols + b) * symbols + c] = p;
                }
                if (Math.abs(sum - 1) > 1e-9)
                    throw new IllegalArgumentException("p(· | " + a + ", " + b + ") sums to " + sum + ", not 1");
            }
        }
    }

    /**
     * A chain whose rows are drawn from a symmetric Dirichlet with {@code concentration}, from {@code seed} alone (the
     * same table on every machine and Java version: SplitMix64 and {@link StrictMath}).
     */
    public static MarkovChain random(int symbols, double concentration, long seed) {
        if (symbols < 2) throw new IllegalArgumentException("a chain needs at least 2 symbols");
        if (!(concentration > 0)) throw new IllegalArgumentException("the concentration must be positive");
        Draws draws = new Draws(new SplitMix(seed, 0));
        double[][][] t = new double[symbols][symbols][symbols];
        for (double[][] plane : t)
            for (double[] row : plane) {
                double sum = 0;
                for (int c = 0; c < symbols; c++) sum += row[c] = draws.gamma(concentration);
                if (sum == 0) Arrays.fill(row, 1.0 / symbols);
                else for (int c = 0; c < symbols; c++) row[c] /= sum;
            }
        return new MarkovChain(t);
    }

    public int symbols() {
        return symbols;
    }

    /** {@code p(c | a, b)}. */
    public double probability(int a, int b, int c) {
        return table[(a * symbols + b) * symbols + c];
    }

    /**
     * The stationary distribution of the pair chain, {@code π(a, b)} at {@code [a·V + b]}: the solution of
     * {@code π(b, c) = Σ_a π(a, b) p(c | a, b)}, {@code Σ π = 1}, by Gaussian elimination with partial pivoting (one
     * balance equation replaced by the normalisation). Unique when the pair chain is irreducible, as it is when every
     * probability is positive.
     */
    public double[] stationary() {
        int n = symbols * symbols;
        double[][] m = new double[n][n + 1];
        // Row (b, c): Σ_a π(a, b) p(c | a, b) − π(b, c) = 0.
        for (int b = 0; b < symbols; b++)
            for (int c = 0; c < symbols; c++) {
                int row = b * symbols + c;
                for (int a = 0; a < symbols; a++) m[row][a * symbols + b] += probability(a, b, c);
                m[row][row] -= 1;
            }
        Arrays.fill(m[n - 1], 1.0);
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
            if (Math.abs(m[pivot][col]) < 1e-300)
                throw new IllegalStateException("the pair chain has no unique stationary distribution");
            double[] swap = m[col];
            m[col] = m[pivot];
            m[pivot] = swap;
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                if (f == 0) continue;
                for (int k = col; k <= n; k++) m[r][k] -= f * m[col][k];
            }
        }
        double[] pi = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = m[r][n];
            for (int k = r + 1; k < n; k++) s -= m[r][k] * pi[k];
            pi[r] = Math.max(0, s / m[r][r]);
        }
        double total = Arrays.stream(pi).sum();
        for (int i = 0; i < n; i++) pi[i] /= total;
        return pi;
    }

    /** The entropy rate in bits per symbol: the mean over the stationary pairs of each row's entropy. */
    public double entropyRateBits() {
        double[] pi = stationary();
        double h = 0;
        for (int a = 0; a < symbols; a++)
            for (int b = 0; b < symbols; b++) {
                double row = 0;
                for (int c = 0; c < symbols; c++) {
                    double p = probability(a, b, c);
                    if (p > 0) row -= p * Math.log(p);
                }
                h += pi[a * symbols + b] * row;
            }
        return h / Math.log(2);
    }

    /**
     * {@code −log₂ p(x_t | x_{t−2}, x_{t−1})} summed over {@code t ≥ 2}, per predicted symbol: what the true chain
     * scores on a sample, whose mean over long samples is the entropy rate.
     */
    public double bitsPerSymbol(int[] x) {
        if (x.length < 3) throw new IllegalArgumentException("a sample of at least 3 symbols is needed");
        double nats = 0;
        for (int t = 2; t < x.length; t++) nats -= Math.log(probability(x[t - 2], x[t - 1], x[t]));
        return nats / (x.length - 2) / Math.log(2);
    }

    /** A sample of {@code length} symbols, its first pair drawn from the stationary distribution, from {@code seed}. */
    public int[] sample(int length, long seed) {
        int[] out = new int[length];
        try {
            stream(length, seed, (t, c) -> out[(int) t] = c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Receives the symbols of a sample in order. */
    interface SymbolSink {
        void accept(long position, int symbol) throws IOException;
    }

    /** Streams a sample of {@code length} symbols into {@code sink}. */
    void stream(long length, long seed, SymbolSink sink) throws IOException {
        if (length < 2) throw new IllegalArgumentException("a sample has at least 2 symbols");
        SplitMix random = new SplitMix(seed, 1);
        double[] pi = stationary();
        int pair = pick(pi, 0, pi.length, Draws.uniform(random));
        int a = pair / symbols;
        int b = pair % symbols;
        sink.accept(0, a);
        sink.accept(1, b);
        for (long t = 2; t < length; t++) {
            int c = pick(table, (a * symbols + b) * symbols, symbols, Draws.uniform(random));
            sink.accept(t, c);
            a = b;
            b = c;
        }
    }

    /** The index i in {@code [0, n)} where the running sum of {@code p[from + i]} first exceeds {@code u}. */
    private static int pick(double[] p, int from, int n, double u) {
        double s = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            if (p[from + i] <= 0) continue;
            last = i;
            s += p[from + i];
            if (u < s) return i;
        }
        return last;
    }

    /** Uniform, normal and gamma variates from SplitMix64, computed with {@link StrictMath}. */
    private static final class Draws {
        private final SplitMix random;

        Draws(SplitMix random) {
            this.random = random;
        }

        static double uniform(SplitMix random) {
            return (random.next() >>> 11) * 0x1.0p-53;
        }

        double normal() {
            double u = 1 - uniform(random);
            double v = uniform(random);
            return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * StrictMath.PI * v);
        }

        /** Gamma(shape, 1) by Marsaglia and Tsang (2000); shape below 1 through {@code G(k+1) U^{1/k}}. */
        double gamma(double shape) {
            if (shape < 1) return gamma(shape + 1) * StrictMath.pow(1 - uniform(random), 1 / shape);
            double d = shape - 1.0 / 3;
            double c = 1 / StrictMath.sqrt(9 * d);
            while (true) {
                double x = normal();
                double v = 1 + c * x;
                if (v <= 0) continue;
                v = v * v * v;
                double u = 1 - uniform(random);
                if (StrictMath.log(u) < 0.5 * x * x + d - d * v + d * StrictMath.log(v)) return d * v;
            }
        }
    }
}
