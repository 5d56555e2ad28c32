package org.tarflow4j.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Provider;

/**
 * Compiles small plugin modules at test time into jars, the way a third party would build them against the api: for
 * tests of plugin loading (refusals, module layers, dependencies between plugin jars).
 */
public final class PluginJars {
    private PluginJars() {}

    /** Compiles {@code sources} (path → text, including module-info.java) against the api and jars them. */
    public static Path build(Path work, String name, Map<String, String> sources, Path... extraModulePath)
            throws IOException {
        Path src = Files.createDirectories(work.resolve(name + "-src"));
        Path classes = Files.createDirectories(work.resolve(name + "-classes"));
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path f = src.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        List<String> modulePath = new ArrayList<>(List.of(
                location(Provider.class),
                location(Tensor.class),
                location(Pointer.class),
                location(org.bytedeco.openblas.global.openblas.class)));
        for (Path p : extraModulePath) modulePath.add(p.toString());
        List<String> args = new ArrayList<>(List.of(
                "--release",
                "17",
                "-proc:none",
                "-d",
                classes.toString(),
                "--module-path",
                String.join(java.io.File.pathSeparator, modulePath)));
        args.addAll(files);
        args.add(0, Path.of(System.getProperty("java.home"), "bin", "javac").toString());
        Process javac = new ProcessBuilder(args).redirectErrorStream(true).start();
        String log = new String(javac.getInputStream().readAllBytes());
        try {
            if (javac.waitFor() != 0)
                throw new IllegalStateException("fixture plugin " + name + " does not compile:\n" + log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Path jar = work.resolve(name + ".jar");
        jar(classes, jar);
        return jar;
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, j);
                j.closeEntry();
            }
        }
    }

    public static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sources of a complete coupling plugin: {@code u = x + b} per channel with a learned shift, as named. */
    public static Map<String, String> shiftCoupling(String module, String name, String version, String requires) {
        return shiftCoupling(module, name, version, requires, List.of());
    }

    /** {@link #shiftCoupling(String, String, String, String)} whose provider also answers to {@code aliases}. */
    public static Map<String, String> shiftCoupling(
            String module, String name, String version, String requires, List<String> aliases) {
        String pkg = module;
        String aliasList = aliases.stream().map(a -> '"' + a + '"').collect(Collectors.joining(", "));
        String dir = pkg.replace('.', '/');
        return Map.of(
                "module-info.java",
                "module " + module + " { requires org.tarflow4j.api; provides org.tarflow4j.api.CouplingProvider with "
                        + pkg + ".ShiftProvider; }",
                dir + "/ShiftProvider.java",
                """
                        package %s;
                        import org.tarflow4j.api.*;
                        public final class ShiftProvider implements CouplingProvider {
                            public String name() { return "%s"; }
                            public String version() { return "%s"; }
                            public String requires() { return "%s"; }
                            public String description() { return "adds a learned shift per channel"; }
                            public java.util.List<String> aliases() { return java.util.List.of(%s); }
                            public Coupling create(Options options, CouplingContext context) {
                                return new Shift(context.channels(), options.getDouble("init", 0.0));
                            }
                        }
                        """.formatted(pkg, name, version, requires, aliasList),
                dir + "/Shift.java",
                """
                        package %s;
                        import org.bytedeco.pytorch.*;
                        import org.bytedeco.pytorch.global.torch;
                        import org.tarflow4j.api.*;
                        final class Shift extends org.bytedeco.pytorch.Module implements Coupling {
                            private final Tensor shift;
                            Shift(int channels, double init) {
                                shift = register_parameter("shift", torch.full(new long[] {channels}, new Scalar(init), new TensorOptions(torch.ScalarType.Double)));
                            }
                            public Transformed forward(Tensor x, Tensor features) {
                                return new Transformed(x.add(shift), x.select(2, 0).mul(new Scalar(0.0)));
                            }
                            public Tensor inverse(Tensor u, Tensor features) { return u.sub(shift); }
                            public JacobianShape jacobianShape() { return JacobianShape.DIAGONAL; }
                        }
                        """.formatted(pkg));
    }
}
