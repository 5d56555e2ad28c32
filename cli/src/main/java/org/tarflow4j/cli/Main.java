package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.util.List;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.train.Devices;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tarflow} command: parses, then hands over to the trainer. */
@Command(
        name = "tarflow",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Train, evaluate and sample TarFlowLM language models.",
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            InfoCommand.class,
            PluginsCommand.class,
            ConfigCommand.class,
            DataCommand.class,
            BenchCommand.class,
            SweepCommand.class,
            PlotCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            SampleCommand.class,
            TraceCommand.class,
            EditCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    /** Exit status for errors the user can fix (config, data, plugins, checkpoints). */
    static final int USER_ERROR = TarflowException.USER_ERROR;
    /** Exit status for a command line picocli cannot parse (an unknown option, a missing argument). */
    static final int USAGE_ERROR = 2;
    /** Exit status for a bug: an unexpected exception. */
    static final int INTERNAL_ERROR = 3;
    /** Exit status of a run stopped by SIGINT (Ctrl-C) after writing its checkpoint: 128 + 2. */
    static final int INTERRUPTED = 130;
    /** Exit status of a run stopped by SIGTERM after writing its checkpoint: 128 + 15. */
    static final int TERMINATED = 143;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = List.of(args).contains("--debug");
        CommandLine cli = new CommandLine(new Main()).setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (debug) e.printStackTrace(err);
            if (e instanceof TarflowException t) {
                err.println(t.exitStatus() > 128 ? t.getMessage() : "error: " + t.getMessage());
                return t.exitStatus();
            }
            err.println("internal error: " + e + (debug ? "" : " (run with --debug for the stack trace)"));
            return INTERNAL_ERROR;
        });
        try {
            return cli.execute(args);
        } catch (Error e) {
            if (debug) e.printStackTrace(err);
            String natives = nativesFailure(e);
            if (natives != null) {
                err.println("error: " + natives);
                return USER_ERROR;
            }
            err.println("internal error: " + e + (debug ? "" : " (run with --debug for the stack trace)"));
            return INTERNAL_ERROR;
        }
    }

    /**
     * What to do when libtorch's native libraries do not load (the GPU build on a host without CUDA 13.1 fails so on
     * its first tensor, CPU runs included), or null for other errors.
     */
    static String nativesFailure(Error e) {
        boolean link = false;
        for (Throwable t = e; t != null; t = t.getCause()) link |= t instanceof UnsatisfiedLinkError;
        boolean torch = e instanceof NoClassDefFoundError
                && String.valueOf(e.getMessage()).contains("org.bytedeco");
        if (!link && !torch) return null;
        String what = link ? Devices.missingLibrary(e) : e.getMessage();
        return Devices.gpuBuild()
                ? "libtorch's native libraries do not load (" + what + "): this is the GPU build, which needs CUDA"
                        + " 13.1 on the host, CPU runs included (README, section GPU); run the CPU build with"
                        + " TARFLOW_GPU=0 ./tarflow ..."
                : "libtorch's native libraries do not load (" + what + "); see --debug for the loader's error";
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "name a command; 'tarflow help' lists them");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getModule().getDescriptor() == null
                    ? "dev"
                    : Main.class.getModule().getDescriptor().rawVersion().orElse("dev");
            return new String[] {"tarflow4j " + version + " (plugin API " + ApiVersion.CURRENT + ", libtorch 2.10.0)"};
        }
    }
}
