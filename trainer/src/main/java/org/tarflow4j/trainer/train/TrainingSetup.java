package org.tarflow4j.trainer.train;

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
import org.tarflow4j.trainer.distributed.DistributedSampler;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Parameters;

/**
 * What a run trains with, made from its configuration: the device chosen and checked and the threads set, the corpus
 * opened, the model built (parameters from {@code train.seed}, on the CPU) and moved to the device once, in its
 * precision, AdamW over its parameters, the world of processes it trains in (one, or the ranks of a data-parallel run)
 * and this rank's shard of the training windows, made on the device. The trainer's loop starts from it, and so does
 * {@code tarflow bench train}.
 */
public record TrainingSetup(
        TarflowConfig config,
        Corpus corpus,
        ModelAssembly.Built built,
        AdamW optimizer,
        DistributedSampler sampler,
        World world,
        Placement placement) {

    /** A single process. */
    public static TrainingSetup of(TarflowConfig config, ModelAssembly assembly) {
        return of(config, assembly, World.single());
    }

    public static TrainingSetup of(TarflowConfig config, ModelAssembly assembly, World world) {
        TrainConfig t = config.train();
        String device = world.device(t.runtime().device()); // cuda:<local rank> in a data-parallel CUDA run
        Placement placement = Devices.configure(
                t,
                device,
                "train.device = \"" + t.runtime().device() + "\""
                        + (device.equals(t.runtime().device())
                                ? ""
                                : " (" + device + " on local rank " + world.localRank() + ")"));
        if (t.runtime().threads() == 0 && world.localSize() > 1) // this node's cores, shared by its ranks
        Devices.threads(Math.max(1, Runtime.getRuntime().availableProcessors() / world.localSize()));
        Corpus corpus = Corpus.open(config.data());
        ModelAssembly.Built built = assembly.build(corpus.tokenizer().vocabSize(), placement);
        LanguageModel model = built.model();
        model.bf16(t.runtime().bf16());
        AdamW optimizer = optimizer(model, t);
        BatchSampler rows = new BatchSampler(
                corpus.split("train"), t.batch(), config.model().context(), t.seed(), placement);
        DistributedSampler sampler = new DistributedSampler(rows, t.batch(), world.rank(), world.size());
        return new TrainingSetup(config, corpus, built, optimizer, sampler, world, placement);
    }

    /** The configuration with every default and every component option filled in, as {@code config check} prints it. */
    public String resolvedConfig() {
        return config.toToml(built.options());
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
        return Parameters.count(model().module());
    }

    /** Tokens one optimizer step reads, over all ranks. */
    public long tokensPerStep() {
        return globalBatch() * config.model().context();
    }

    /** Sequences one optimizer step reads: {@code batch × world size × accumulate}. */
    public long globalBatch() {
        return config.train().sequencesPerStep() * world.size();
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
