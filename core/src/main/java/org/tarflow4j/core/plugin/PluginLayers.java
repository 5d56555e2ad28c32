package org.tarflow4j.core.plugin;

import java.io.IOException;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.tarflow4j.api.Provider;

/**
 * Opens the entries of a {@code plugins/} folder: each {@code .jar} file, or each sub-folder of jars, becomes one
 * plugin with its own {@link ModuleLayer} whose parent is the host's layer, so Bytedeco and the api are shared from
 * the host and plugins cannot see each other. When the host itself runs on the class path, each plugin gets its own
 * class loader over the host's instead.
 */
final class PluginLayers {
    /** One plugin folder entry, opened: a way to list the providers it defines. */
    interface Plugin {
        String origin();

        <P> List<ServiceLoader.Provider<P>> providers(Class<P> service);
    }

    private PluginLayers() {}

    /** The entries of {@code dir}, in name order; a missing folder has none. */
    static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p ->
                            Files.isDirectory(p) || p.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .toList();
        }
    }

    /** Opens one entry; throws with the reason when its modules cannot be resolved or defined. */
    static Plugin open(Path entry) throws IOException {
        Path[] jars = jars(entry);
        if (jars.length == 0) throw new IOException("no .jar files in " + entry);
        ModuleLayer host = Provider.class.getModule().getLayer();
        return host == null ? classPathPlugin(entry, jars) : layerPlugin(entry, jars, host);
    }

    private static Path[] jars(Path entry) throws IOException {
        if (!Files.isDirectory(entry)) return new Path[] {entry};
        try (Stream<Path> s = Files.list(entry)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .toArray(Path[]::new);
        }
    }

    private static Plugin layerPlugin(Path entry, Path[] jars, ModuleLayer host) {
        ModuleFinder finder = ModuleFinder.of(jars);
        Set<String> roots =
                finder.findAll().stream().map(r -> r.descriptor().name()).collect(Collectors.toSet());
        Configuration cf = host.configuration().resolveAndBind(finder, ModuleFinder.of(), roots);
        ModuleLayer layer = host.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        return new Plugin() {
            public String origin() {
                return entry.toString();
            }

            public <P> List<ServiceLoader.Provider<P>> providers(Class<P> service) {
                return definedBy(
                        ServiceLoader.load(layer, service), p -> p.getModule().getLayer() == layer);
            }
        };
    }

    private static Plugin classPathPlugin(Path entry, Path[] jars) throws MalformedURLException {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) urls[i] = jars[i].toUri().toURL();
        URLClassLoader loader = new URLClassLoader(urls, Provider.class.getClassLoader());
        return new Plugin() {
            public String origin() {
                return entry.toString();
            }

            public <P> List<ServiceLoader.Provider<P>> providers(Class<P> service) {
                return definedBy(ServiceLoader.load(service, loader), p -> p.getClassLoader() == loader);
            }
        };
    }

    /** Providers whose class is defined by the plugin itself (the loader also sees the host's). */
    private static <P> List<ServiceLoader.Provider<P>> definedBy(ServiceLoader<P> loader, Predicate<Class<?>> ours) {
        List<ServiceLoader.Provider<P>> out = new ArrayList<>();
        loader.stream().filter(p -> ours.test(p.type())).forEach(out::add);
        return out;
    }
}
