package org.tarflow4j.trainer.train;

import java.nio.file.Path;
import org.tarflow4j.core.plugin.PluginRegistry;

/**
 * The command that continues a run, as the user would type it: the launcher as it was called ({@code ./tarflow}, from
 * {@code $TARFLOW_LAUNCHER}, which the launcher sets), {@code train --resume DIR}, and the plugins folder when it is
 * not the default one.
 */
public final class ResumeCommand {
    /** Set by the {@code tarflow} launcher to how it was called. */
    static final String LAUNCHER_VARIABLE = "TARFLOW_LAUNCHER";

    private ResumeCommand() {}

    public static String of(Path runRoot, PluginRegistry registry) {
        String launcher = System.getenv(LAUNCHER_VARIABLE);
        StringBuilder b = new StringBuilder(launcher == null || launcher.isBlank() ? "tarflow" : quote(launcher));
        b.append(" train --resume ").append(quote(runRoot.toString()));
        Path plugins = registry == null ? null : registry.folder();
        String variable = System.getenv("TARFLOW_PLUGINS");
        if (plugins != null
                && !plugins.equals(Path.of("plugins"))
                && !(variable != null && plugins.equals(Path.of(variable))))
            b.append(" --plugins ").append(quote(plugins.toString()));
        return b.toString();
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
