package org.tarflow4j.trainer;

import com.google.inject.Guice;
import com.google.inject.Injector;
import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.trainer.config.ConfigLoader;
import org.tarflow4j.trainer.config.FlowLayerConfig;
import org.tarflow4j.trainer.config.TarflowConfig;
import org.tarflow4j.trainer.inject.Components;
import org.tarflow4j.trainer.inject.TarflowModule;
import org.tarflow4j.trainer.plugin.PluginRegistry;

/** The trainer's entry points, one per command. */
public final class Tarflow {
    private Tarflow() {}

    /** Reads and validates a configuration, and returns it resolved as TOML. */
    public static String checkConfig(Path file, List<String> overrides, PluginRegistry registry) {
        TarflowConfig config = ConfigLoader.load(file, overrides);
        Components components = injector(config, registry).getInstance(Components.class);
        for (FlowLayerConfig layer : config.flow()) {
            components.coupling(layer.coupling());
            components.backbone(layer.backbone());
            components.mixer(layer.mixer());
        }
        return config.toToml();
    }

    static Injector injector(TarflowConfig config, PluginRegistry registry) {
        return Guice.createInjector(new TarflowModule(registry, config));
    }
}
