package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.util.List;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Refusal;
import org.tarflow4j.core.plugin.Registered;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "plugins",
        mixinStandardHelpOptions = true,
        description = "List the couplings, mixers and backbones available (a config may name one by its name or an"
                + " alias, in any case), and the plugins refused.")
final class PluginsCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry registry = common.registry();
        List<Registered> all = registry.all();
        Table table = new Table("KIND", "NAME", "ALIASES", "VERSION", "API", "FROM", "DESCRIPTION");
        for (Registered r : all)
            table.row(
                    r.kind().label(),
                    r.name(),
                    r.aliases().isEmpty() ? "-" : String.join(", ", r.aliases()),
                    r.version(),
                    r.provider().requires(),
                    r.origin(),
                    r.provider().description());
        table.print(out);
        List<Refusal> refused = registry.refused();
        if (!refused.isEmpty()) {
            out.println();
            out.println("Refused:");
            for (Refusal r : refused) out.println("  " + r);
        }
    }
}
