package org.tarflow4j.trainer.checkpoint;

import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigDiff;
import org.tarflow4j.core.config.TarflowConfig;

/**
 * What {@code --set} may change when a trained model is loaded (eval, sample, trace, edit): the data it reads, how it
 * is evaluated and sampled, and where it runs. The architecture is the checkpoint's: a changed width or coupling would
 * build a model its parameters do not fit.
 */
public final class EvaluationOverrides {
    /** The tables that build the model. */
    static final List<String> ARCHITECTURE = List.of("model", "flow", "ar", "couplings", "backbones", "mixers");
    /** What may change, for the message. */
    static final String ALLOWED = "data.*, eval.*, sample.* and train.threads, train.device, train.bf16, train.seed";

    private EvaluationOverrides() {}

    /** Fails when {@code overridden} differs from {@code stored} in a key of the architecture. */
    public static void check(Path checkpoint, TarflowConfig stored, TarflowConfig overridden) {
        List<ConfigDiff.Change> architecture = ConfigDiff.between(stored, overridden).stream()
                .filter(c -> ARCHITECTURE.contains(table(c.key())))
                .toList();
        if (architecture.isEmpty()) return;
        throw new TarflowException("--set cannot change the architecture of the trained model in " + checkpoint
                + " (" + ConfigDiff.describe(architecture)
                + "): its parameters fit the model it was trained as; at evaluation --set may change " + ALLOWED
                + "; to train another architecture, run 'tarflow train' with it");
    }

    private static String table(String key) {
        int end = key.length();
        for (char c : new char[] {'.', '[', ' '}) {
            int i = key.indexOf(c);
            if (i >= 0) end = Math.min(end, i);
        }
        return key.substring(0, end);
    }
}
