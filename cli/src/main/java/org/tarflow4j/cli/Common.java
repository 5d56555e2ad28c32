package org.tarflow4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.plugin.PluginRegistry;
import picocli.CommandLine.Option;

/** Options every command takes. */
final class Common {
    @Option(
            names = "--plugins",
            paramLabel = "DIR",
            defaultValue = "${env:TARFLOW_PLUGINS:-plugins}",
            description = "Folder of plugin jars (default: $TARFLOW_PLUGINS or ./plugins).")
    Path plugins;

    @Option(names = "--debug", description = "Show stack traces of errors.")
    boolean debug;

    PluginRegistry registry() {
        return PluginRegistry.load(plugins);
    }

    /** These options as given, for a worker process running another command of this tool. */
    List<String> args() {
        List<String> out = new ArrayList<>(List.of("--plugins", plugins.toString()));
        if (debug) out.add("--debug");
        return out;
    }
}
