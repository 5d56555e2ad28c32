package org.tarflow4j.trainer.model;

import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Provider;
import org.tarflow4j.trainer.config.ComponentOptions;
import org.tarflow4j.trainer.config.ComponentOptions.Kind;
import org.tarflow4j.trainer.config.ConfigException;
import org.tarflow4j.trainer.config.FlowLayerConfig;
import org.tarflow4j.trainer.config.ModelConfig;
import org.tarflow4j.trainer.config.TarflowConfig;
import org.tarflow4j.trainer.inject.Components;
import org.tarflow4j.trainer.plugin.ComponentKind;

/** Builds the model a configuration describes, asking the registry for every component by name. */
public final class ModelFactory {
    private final Components components;
    private final TarflowConfig config;

    @Inject
    public ModelFactory(Components components, TarflowConfig config) {
        this.components = components;
        this.config = config;
    }

    /**
     * A new model with parameters initialised from {@code train.seed}, and the components it is made of.
     *
     * @param vocab the tokenizer's vocabulary size
     */
    public Built build(int vocab) {
        torch.manual_seed(config.train().seed());
        ComponentOptions options = new ComponentOptions(config);
        List<ComponentUse> uses = new ArrayList<>();
        ModelConfig m = config.model();
        LanguageModel model;
        if (m.isFlow()) {
            Encoder encoder = new Encoder(vocab, m.latent(), m.sigmaMin(), m.sigmaMax(), m.sigmaInit());
            List<FlowLayer> layers = new ArrayList<>();
            for (FlowLayerConfig l : config.flow()) {
                String owner = l.label();
                Backbone backbone = create(
                        options,
                        uses,
                        Kind.BACKBONE,
                        components.backbone(l.backbone()),
                        l.backbone(),
                        owner,
                        l.backboneOptions(),
                        new BackboneContext(m.channels(), m.positions()));
                Coupling coupling = create(
                        options,
                        uses,
                        Kind.COUPLING,
                        components.coupling(l.coupling()),
                        l.coupling(),
                        owner,
                        l.couplingOptions(),
                        new CouplingContext(
                                m.channels(),
                                m.latent(),
                                backbone.featureWidth(),
                                vocab,
                                l.index() == 0 ? Optional.of(encoder) : Optional.empty()));
                ChannelMixer mixer = create(
                        options,
                        uses,
                        Kind.MIXER,
                        components.mixer(l.mixer()),
                        l.mixer(),
                        owner,
                        l.mixerOptions(),
                        new MixerContext(m.channels(), m.latent()));
                layers.add(new FlowLayer(backbone, coupling, mixer, l.leftToRight()));
            }
            model = new TarFlowLM(encoder, layers, m.patch());
        } else {
            Backbone backbone = create(
                    options,
                    uses,
                    Kind.BACKBONE,
                    components.backbone(config.ar().backbone()),
                    config.ar().backbone(),
                    "ar",
                    config.ar().backboneOptions(),
                    new BackboneContext(config.ar().embedding(), m.context()));
            model = new ArBaseline(vocab, config.ar().embedding(), backbone);
        }
        options.finishShared(Kind.COUPLING, name -> exists(ComponentKind.COUPLING, name));
        options.finishShared(Kind.BACKBONE, name -> exists(ComponentKind.BACKBONE, name));
        options.finishShared(Kind.MIXER, name -> exists(ComponentKind.MIXER, name));
        return new Built(model, List.copyOf(uses), options.resolved());
    }

    private <T, C> T create(
            ComponentOptions options,
            List<ComponentUse> uses,
            Kind kind,
            Provider<T, C> provider,
            String name,
            String owner,
            Map<String, Object> own,
            C context) {
        Options o = options.open(kind, name, owner, own);
        T component;
        try {
            component = provider.create(o, context);
        } catch (OptionException e) {
            throw new ConfigException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(owner + ": the " + kind.name().toLowerCase() + " '" + name + "' cannot be built: "
                    + e.getMessage());
        }
        options.finish(kind, name, owner, own, o);
        uses.add(new ComponentUse(kind.name().toLowerCase(), name, provider.version(), owner));
        return component;
    }

    private boolean exists(ComponentKind kind, String name) {
        return components.registry().all(kind).stream().anyMatch(r -> r.name().equals(name));
    }

    /** A component in use: recorded in checkpoints, resolved by name and version when they are loaded. */
    public record ComponentUse(String kind, String name, String version, String owner) {}

    /**
     * @param options every component's options with their defaults, by {@code owner.kind_options}
     */
    public record Built(LanguageModel model, List<ComponentUse> components, Map<String, Map<String, Object>> options) {}
}
