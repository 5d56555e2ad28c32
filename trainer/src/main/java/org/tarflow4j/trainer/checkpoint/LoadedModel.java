package org.tarflow4j.trainer.checkpoint;

import java.nio.file.Path;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.data.SequentialBatches;
import org.tarflow4j.data.Tokenizer;
import org.tarflow4j.trainer.model.ArBaseline;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * A model loaded from a checkpoint onto the device chosen for it, ready for evaluation, generation, the multi-pass view
 * and editing: in evaluation mode, with the configuration it was trained with and its tokenizer. Checks what a user gives it (texts, lengths) against the model.
 *
 * @param checkpoint the file it was loaded from; results are written next to it
 */
public record LoadedModel(Path checkpoint, TarflowConfig config, LanguageModel model, Tokenizer tokenizer) {
    public LoadedModel {
        model.module().train(false);
    }

    /** Tokens per sequence the model was trained on, the longest it can generate or read. */
    public int context() {
        return config.model().context();
    }

    /** Tokens per flow position (1 for the ar baseline). */
    public int patch() {
        return model.patch();
    }

    /** The windows of {@code split} of {@code corpus} in order, as evaluation reads them with this model, on its device. */
    public SequentialBatches heldOut(Corpus corpus, String split) {
        return new SequentialBatches(corpus.split(split), config.eval().batch(), context(), patch(), model.placement());
    }

    /** True for TarFlowLM, false for the ar baseline. */
    public boolean isFlow() {
        return model instanceof TarFlowLM;
    }

    /** The model as the ar baseline; {@code what} names the feature that needs one. */
    public ArBaseline ar(String what) {
        if (model instanceof ArBaseline ar) return ar;
        throw new TarflowException(
                what + " needs the ar baseline; " + checkpoint + " holds a flow model (model.kind = \"flow\")");
    }

    /** The model as a TarFlowLM; {@code what} names the feature that needs one. */
    public TarFlowLM flow(String what) {
        if (model instanceof TarFlowLM flow) return flow;
        throw new TarflowException(
                what + " needs a flow model; " + checkpoint + " holds the ar baseline (model.kind = \"ar\")");
    }

    /**
     * The tokens of {@code text}, which must read back exactly as written: a symbol the tokenizer would drop or
     * change is an error that shows the text as the tokenizer reads it.
     *
     * @param what names the text in messages, e.g. {@code --prompt}
     */
    public int[] tokens(String text, String what) {
        if (text.isEmpty()) throw new TarflowException(what + " is empty; give at least one symbol");
        int[] ids = tokenizer.encode(text);
        String back = tokenizer.decode(ids);
        if (!back.equals(text)) {
            int at = 0;
            while (at < Math.min(back.length(), text.length()) && back.charAt(at) == text.charAt(at)) at++;
            throw new TarflowException(what + " has symbols outside the " + tokenizer.name() + " vocabulary ("
                    + tokenizer.vocabSize() + " symbols): at character " + (at + 1) + ", '" + excerpt(text, at)
                    + "' reads as '"
                    + excerpt(back, at) + "'; write it as the tokenizer reads it: \"" + back + "\"");
        }
        return ids;
    }

    /**
     * The tokens of a text the model reads whole (trace, edit): at most the context and a whole number of patches.
     */
    public int[] sequence(String text, String what) {
        int[] ids = tokens(text, what);
        if (ids.length > context())
            throw new TarflowException(what + " has " + ids.length + " tokens, more than the model's context of "
                    + context() + "; shorten it");
        requireWholePatches(ids.length, what + " has");
        return ids;
    }

    /** A length of {@code tokens} tokens must fill whole patches; {@code what} begins the message. */
    public void requireWholePatches(int tokens, String what) {
        if (tokens % patch() != 0)
            throw new TarflowException(
                    what + " " + tokens + " tokens, which is not a multiple of the patch size " + patch()
                            + " (each flow position holds " + patch() + " tokens); add or remove "
                            + Math.min(tokens % patch(), patch() - tokens % patch()) + " token(s)");
    }

    /** Where the model computes; tensors it reads are made there. */
    public Placement placement() {
        return model.placement();
    }

    public String text(int[] ids) {
        return tokenizer.decode(ids);
    }

    private static String excerpt(String s, int at) {
        return s.substring(at, Math.min(s.length(), at + 12));
    }
}
