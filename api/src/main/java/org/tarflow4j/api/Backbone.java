package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * The network of one flow layer that turns the prefix of its input into per-position features: the features at
 * position t depend on {@code x[:, <t]} only (position 0 sees a learned start). Input {@code [B, T, C]} in any
 * floating dtype; output {@code [B, T, featureWidth]} in the backbone's own dtype.
 */
public interface Backbone extends Component {
    Tensor forward(Tensor x);

    /**
     * The features of {@code x [B, T, C]} placed at positions {@code offset, …, offset + T − 1} of the backbone's
     * positions, with causality as in {@link #forward(Tensor)} (the start at position {@code offset}). A right-to-left
     * flow layer asks for this on a sequence shorter than the context: it reads the sequence reversed, and the offset
     * {@code positions − T} gives every token the position code it had in training, where each sequence fills the
     * context. Added in API 1.2; the default ignores the offset (every sequence from position 0, as before), so a
     * backbone with position codes should override it.
     */
    default Tensor forward(Tensor x, long offset) {
        return forward(x);
    }

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
     * Bytes a training step's forward and backward pass through this backbone holds at its peak for {@code batch}
     * sequences of {@code positions} positions in float32: its saved activations and the largest gradients alive at
     * once, not its parameters. For the host's memory estimate before a run; {@code NaN} when the backbone cannot say.
     * Since 1.3.0.
     */
    default double trainingBytes(long batch, long positions) {
        return Double.NaN;
    }

    /**
     * Starts incremental decoding for a batch of {@code batch} sequences: features for one position at a time
     * at the cost of one position, from a cache of what came before.
     */
    Stepper stepper(long batch);

    /**
     * {@link #stepper(long)} for a sequence placed from position {@code offset} on, as {@link #forward(Tensor, long)}
     * places it. Added in API 1.2; the default ignores the offset.
     */
    default Stepper stepper(long batch, long offset) {
        return stepper(batch);
    }

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
