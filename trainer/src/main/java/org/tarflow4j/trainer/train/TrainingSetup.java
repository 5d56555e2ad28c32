package org.tarflow4j.trainer.train;

import java.util.Arrays;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.config.TrainConfig;
import org.tarflow4j.data.BatchSampler;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.data.SequentialBatches;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.model.LanguageModel;

/**
 * What a run trains with, made from its configuration: the device chosen and checked and the threads set, the corpus
 * opened, the model built (parameters from {@code train.seed}, on the CPU) and moved to the device once, in its
 * precision, AdamW over its parameters and the sampler of training windows, which makes its batches on the device.
 * The trainer's loop starts from it, and so does {@code tarflow bench train}.
 */
public record TrainingSetup(
        TarflowConfig config,
        Corpus corpus,
        ModelAssembly.Built built,
        AdamW optimizer,
        BatchSampler sampler,
        Placement placement) {

    public static TrainingSetup of(TarflowConfig config, ModelAssembly assembly) {
        TrainConfig t = config.train();
        Placement placement = Devices.configure(t);
        Corpus corpus = Corpus.open(config.data());
        ModelAssembly.Built built = assembly.build(corpus.tokenizer().vocabSize(), placement);
        LanguageModel model = built.model();
        model.bf16(t.runtime().bf16());
        AdamW optimizer = optimizer(model, t);
        BatchSampler sampler = new BatchSampler(
                corpus.split("train"), t.batch(), config.model().context(), t.seed(), placement);
        return new TrainingSetup(config, corpus, built, optimizer, sampler, placement);
    }

    public LanguageModel model() {
        return built.model();
    }

    /** The windows of a held-out split in order, as evaluation reads them. */
    public SequentialBatches heldOut(String split) {
        return new SequentialBatches(
                corpus.split(split),
                config.eval().batch(),
                config.model().context(),
                config.model().patch(),
                placement);
    }

    public long parameters() {
        return Arrays.stream(model().module().parameters().get())
                .mapToLong(Tensor::numel)
                .sum();
    }

    /** Tokens one optimizer step reads. */
    public long tokensPerStep() {
        return config.train().sequencesPerStep() * config.model().context();
    }

    /** AdamW with weight decay on the parameters the model says decay (weight matrices), none on the rest. */
    public static AdamW optimizer(LanguageModel model, TrainConfig t) {
        TensorVector decay = new TensorVector();
        TensorVector plain = new TensorVector();
        StringTensorDict named = model.module().named_parameters();
        for (long i = 0; i < named.size(); i++) {
            Tensor p = named.get(i).value();
            (model.decays(named.get(i).key().getString(), p) ? decay : plain).push_back(p);
        }
        AdamW adamW = new AdamW(decay, options(t, t.optimizer().weightDecay()));
        adamW.add_param_group(new OptimizerParamGroup(plain, options(t, 0.0)));
        return adamW;
    }

    /**
     * AdamW's options. {@code betas()} points at a C++ {@code std::tuple<double, double>}, which libstdc++ lays out in
     * reverse: element 0 of the pointer is beta2 and element 1 is beta1 (the defaults read back as 0.999, 0.9).
     * Written the other way round, beta1 = 0.99 > √beta2 made Adam unstable and the quickstart's heads grew 4% a step.
     */
    static AdamWOptions options(TrainConfig t, double weightDecay) {
        AdamWOptions o = new AdamWOptions(t.optimizer().lr());
        o.betas().put(0, t.optimizer().beta2()).put(1, t.optimizer().beta1());
        o.weight_decay().put(weightDecay);
        return o;
    }
}
