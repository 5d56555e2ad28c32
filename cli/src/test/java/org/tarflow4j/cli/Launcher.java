package org.tarflow4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.spi.ToolProvider;

/**
 * The real {@code tarflow} launcher script of this checkout, run as a user runs it, over this build's modules: a
 * checkout-shaped folder holds a copy of the script, the cli module as a jar made from {@code cli/target/classes}, and
 * a {@code modulepath.txt} of this test JVM's modules, marked built, so the script starts the CLI (exec java) instead
 * of building. Used by the tests that need real processes: signals, locks, a full disk, symlinks.
 */
final class Launcher {
    static final Path REPOSITORY =
            Path.of(System.getProperty("tarflow.root")).toAbsolutePath().normalize();

    final Path script;

    private Launcher(Path script) {
        this.script = script;
    }

    /** Lays out a checkout in {@code dir} whose launcher runs this build. */
    static Launcher in(Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("checkout"));
        Path target = Files.createDirectories(root.resolve("cli/target"));
        Path script = Files.copy(REPOSITORY.resolve("tarflow"), root.resolve("tarflow"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path classes = REPOSITORY.resolve("cli/target/classes");
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow(() -> new IllegalStateException("no jar tool"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        int status = jar.run(
                out,
                out,
                "--create",
                "--file",
                target.resolve("tarflow4j-cli-test.jar").toString(),
                "-C",
                classes.toString(),
                ".");
        if (status != 0) throw new IllegalStateException("jar failed: " + log);
        List<String> path = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path"))
            for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
                if (entry.isBlank()) continue;
                Path p = Path.of(entry).toAbsolutePath().normalize();
                if (p.equals(classes) || p.endsWith("test-classes")) continue;
                if (entry.matches(".*/(org/junit|org/opentest4j|org/apiguardian)/.*")) continue;
                path.add(p.toString());
            }
        Files.writeString(target.resolve("modulepath.txt"), String.join(java.io.File.pathSeparator, path));
        Files.createFile(target.resolve(".tarflow-built"));
        return new Launcher(script);
    }

    /** A running {@code tarflow} process with its output collected as it comes. */
    static final class Running {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final StringBuffer err = new StringBuffer();

        Running(Process process) {
            this.process = process;
            drain(process.getInputStream(), out);
            drain(process.getErrorStream(), err);
        }

        private static void drain(InputStream in, StringBuffer into) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (in) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
                        into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }

        long pid() {
            return process.pid();
        }

        void signal(String name) throws Exception {
            new ProcessBuilder("kill", "-" + name, Long.toString(pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
        }

        /** Waits for the process to end; its exit status, or fails after {@code seconds}. */
        int exit(int seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("tarflow did not end within " + seconds + " s; stderr:\n" + err());
            }
            Thread.sleep(200); // the last output
            return process.exitValue();
        }

        /** Waits until {@code condition} holds; fails after {@code seconds} or when the process ends first. */
        void await(BooleanSupplier condition, int seconds, String what) throws Exception {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!condition.getAsBoolean()) {
                if (!process.isAlive())
                    throw new AssertionError("tarflow ended (" + process.exitValue() + ") before " + what
                            + "; stderr:\n" + err() + "\nstdout:\n" + out());
                if (System.nanoTime() > end) {
                    process.destroyForcibly();
                    throw new AssertionError("no " + what + " within " + seconds + " s; stderr:\n" + err());
                }
                Thread.sleep(25);
            }
        }
    }

    /** Starts {@code tarflow ARGS} through {@code command} (the script, or a symlink to it) in {@code workDir}. */
    static Running start(Path command, Path workDir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(command.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_OPTS", "-Xmx1g");
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + java.io.File.pathSeparator + env.get("PATH"));
        env.remove("TARFLOW_LAUNCHER");
        env.remove("TARFLOW_PLUGINS");
        return new Running(pb.start());
    }

    Running start(Path workDir, String... args) throws IOException {
        return start(script, workDir, args);
    }
}
