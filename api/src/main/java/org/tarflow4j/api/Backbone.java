package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * The network of one flow layer that turns the prefix of its input into per-position features: the features at
 * position t depend on {@code x[:, <t]} only (position 0 sees a learned start). Input {@code [B, T, C]} in any
 * floating dtype; output {@code [B, T, featureWidth]} in the backbone's own dtype.
 */
public interface Backbone extends Component {
    Tensor forward(Tensor x);

    /** Width {@code D} of the features. */
    int featureWidth();

    /**
     * Floating-point operations of one forward pass over one sequence of {@code positions} positions (a multiply-add
     * counts two), for throughput reports; {@code NaN} when the backbone cannot say.
     */
    default double forwardFlops(long positions) {
        return Double.NaN;
    }

    /**
     * Starts incremental decoding for a batch of {@code batch} sequences: features for one position at a time
     * at the cost of one position, from a cache of what came before.
     */
    Stepper stepper(long batch);

    /**
     * Incremental decoding state. Call {@link #next()} for the features of the next position, then
     * {@link #accept(Tensor)} with that position's input; {@code next} after {@code accept} gives the
     * following position. The cached tensors outlive the caller's pointer scopes until {@link #close()}.
     */
    interface Stepper extends AutoCloseable {
        /** Features {@code [B, 1, D]} for the next position. */
        Tensor next();

        /** The input {@code [B, 1, C]} at the position {@link #next()} was called for. */
        void accept(Tensor x);

        /** Number of positions accepted so far. */
        long position();

        @Override
        void close();
    }
}
