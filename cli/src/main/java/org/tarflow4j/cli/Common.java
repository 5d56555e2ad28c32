package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.plugin.PluginRegistry;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command takes. */
final class Common {
    /** The environment variable that names the plugins folder when {@code --plugins} is not given. */
    static final String PLUGINS_VARIABLE = "TARFLOW_PLUGINS";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--plugins",
            paramLabel = "DIR",
            description = "Folder of plugin jars (default: $TARFLOW_PLUGINS or ./plugins, if it exists).")
    Path plugins;

    @Option(names = "--debug", description = "Show stack traces of errors.")
    boolean debug;

    /**
     * The host's components and the plugins folder's. A folder the user named must exist; a name two plugins provide is
     * a warning on every command that loads plugins, saying which one is used.
     */
    PluginRegistry registry() {
        PluginRegistry registry = named() != null
                ? PluginRegistry.loadNamed(pluginsFolder(), named())
                : PluginRegistry.load(pluginsFolder());
        PrintWriter err = command.commandLine().getErr();
        for (String warning : registry.warnings()) err.println("warning: " + warning);
        err.flush();
        return registry;
    }

    /** The plugins folder in effect: {@code --plugins}, else {@code $TARFLOW_PLUGINS}, else {@code ./plugins}. */
    Path pluginsFolder() {
        if (plugins != null) return plugins;
        String variable = System.getenv(PLUGINS_VARIABLE);
        return variable != null && !variable.isBlank() ? Path.of(variable) : Path.of("plugins");
    }

    /** How the user named the plugins folder, or null when it is the default. */
    private String named() {
        if (plugins != null) return "--plugins";
        String variable = System.getenv(PLUGINS_VARIABLE);
        return variable != null && !variable.isBlank() ? PLUGINS_VARIABLE : null;
    }

    /** These options as given, for a worker process running another command of this tool. */
    List<String> args() {
        List<String> out = new ArrayList<>();
        if (plugins != null) out.addAll(List.of("--plugins", plugins.toString())); // $TARFLOW_PLUGINS is inherited
        if (debug) out.add("--debug");
        return out;
    }
}
