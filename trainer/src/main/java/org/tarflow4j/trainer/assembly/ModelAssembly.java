package org.tarflow4j.trainer.assembly;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Provider;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ArConfig;
import org.tarflow4j.core.config.ComponentChoice;
import org.tarflow4j.core.config.ComponentOptions;
import org.tarflow4j.core.config.ConfigException;
import org.tarflow4j.core.config.FlowLayerConfig;
import org.tarflow4j.core.config.ModelConfig;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.Catalog;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.trainer.model.ArBaseline;
import org.tarflow4j.trainer.model.Encoder;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * Builds the model a configuration describes: every component is asked of the catalog of its kind by the name the
 * configuration gives ({@code coupling = "mog"}) and created with its options and its place in the model.
 */
public final class ModelAssembly {
    private final TarflowConfig config;
    private final Catalog<CouplingProvider> couplings;
    private final Catalog<BackboneProvider> backbones;
    private final Catalog<MixerProvider> mixers;

    @Inject
    ModelAssembly(
            TarflowConfig config,
            Catalog<CouplingProvider> couplings,
            Catalog<BackboneProvider> backbones,
            Catalog<MixerProvider> mixers) {
        this.config = config;
        this.couplings = couplings;
        this.backbones = backbones;
        this.mixers = mixers;
    }

    /**
     * A new model on the CPU with parameters initialised from {@code train.seed}, and the components it is made of.
     *
     * @param vocab the tokenizer's vocabulary size
     */
    public Built build(int vocab) {
        return build(vocab, Placement.CPU);
    }

    /**
     * A new model with parameters initialised from {@code train.seed} on the CPU (so that a seed gives the same model
     * on every device), then moved to {@code placement} once, with the components it is made of. The components'
     * contexts name the placement.
     *
     * @param vocab the tokenizer's vocabulary size
     */
    public Built build(int vocab, Placement placement) {
        if (placement.isMeta())
            throw new IllegalArgumentException("libtorch cannot move a model's parameters to the meta device");
        torch.manual_seed(config.train().seed());
        Assembling a = new Assembling(new ComponentOptions(config));
        ModelConfig m = config.model();
        LanguageModel model;
        if (m.isFlow()) {
            Encoder encoder = new Encoder(vocab, m.latent(), m.sigmaMin(), m.sigmaMax(), m.sigmaInit(), m.density());
            List<FlowLayer> layers = new ArrayList<>();
            for (FlowLayerConfig l : config.flow()) {
                Backbone backbone = a.create(
                        backbones,
                        l.backbone(),
                        l.label(),
                        new BackboneContext(m.channels(), m.positions(), placement));
                Optional<Codebook> tied = l.index() == 0 ? Optional.of(encoder) : Optional.empty();
                Coupling coupling = a.create(
                        couplings,
                        l.coupling(),
                        l.label(),
                        new CouplingContext(m.channels(), m.latent(), backbone.featureWidth(), vocab, tied, placement));
                ChannelMixer mixer =
                        a.create(mixers, l.mixer(), l.label(), new MixerContext(m.channels(), m.latent(), placement));
                layers.add(new FlowLayer(backbone, coupling, mixer, l.leftToRight(), m.positions()));
            }
            model = new TarFlowLM(encoder, layers, m.patch());
        } else {
            ArConfig ar = config.ar();
            Backbone backbone = a.create(
                    backbones,
                    ar.backbone(),
                    ArConfig.LABEL,
                    new BackboneContext(ar.embedding(), m.context(), placement));
            model = new ArBaseline(vocab, ar.embedding(), backbone);
        }
        for (Catalog<?> catalog : List.of(couplings, backbones, mixers))
            a.options.finishShared(catalog.kind(), catalog::has);
        if (!placement.isCpu()) model.module().to(placement.device(), false);
        return new Built(model, List.copyOf(a.uses), a.options.resolved());
    }

    /** The options handed out and the components made while one model is built. */
    private final class Assembling {
        final ComponentOptions options;
        final List<ComponentUse> uses = new ArrayList<>();

        Assembling(ComponentOptions options) {
            this.options = options;
        }

        <T, C> T create(Catalog<? extends Provider<T, C>> catalog, ComponentChoice written, String owner, C context) {
            ComponentKind kind = written.kind();
            Provider<T, C> provider;
            try {
                provider = catalog.get(written.name());
            } catch (TarflowException e) {
                throw new ConfigException(owner + "." + kind.label() + " = \"" + written.name() + "\" ("
                        + config.sourceOf(owner + "." + kind.label()) + "): " + e.getMessage());
            }
            ComponentChoice choice = written.named(provider.name());
            Options o = options.open(choice, owner);
            T component;
            try {
                component = provider.create(o, context);
            } catch (OptionException e) {
                throw new ConfigException(e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(owner + ": the " + kind.label() + " '" + choice.name() + "' cannot be built: "
                        + e.getMessage());
            }
            options.finish(choice, owner, o);
            uses.add(new ComponentUse(kind, provider.name(), provider.version(), owner));
            return component;
        }
    }

    /** A component in use: recorded in checkpoints, resolved by name and version when they are loaded. */
    public record ComponentUse(ComponentKind kind, String name, String version, String owner) {}

    /**
     * @param options every component's options with their defaults, by {@code owner.kind_options}
     */
    public record Built(LanguageModel model, List<ComponentUse> components, Map<String, Map<String, Object>> options) {}
}
