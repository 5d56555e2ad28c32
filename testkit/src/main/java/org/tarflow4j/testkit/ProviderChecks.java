package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.api.Provider;
import org.tarflow4j.api.SemVer;
import org.tarflow4j.api.VersionRange;

/**
 * The checks every provider passes, whatever it provides: it describes itself the way the host accepts, and it is
 * declared as a service both ways (module path and class path). Used by all three harnesses.
 */
public final class ProviderChecks {
    /** What the host accepts as a component name. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** What the host accepts as an alias ({@link Provider#aliases()}); aliases are matched ignoring case. */
    public static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private static final String AUTO_SERVICE = "com/google/auto/service/AutoService";

    private ProviderChecks() {}

    /**
     * The name is lower-case ASCII, the version is SemVer, the API range in {@code requires()} parses and admits the
     * API this testkit was built with ({@link ApiVersion#CURRENT}), and the description is one non-empty line: what the
     * host checks before it accepts a provider, so a provider that passes here is not refused for these reasons.
     */
    public static void describesItself(Provider<?, ?> provider) {
        String name = provider.name();
        assertTrue(
                name != null && NAME.matcher(name).matches(),
                () -> "name '" + name + "' must be lower-case ASCII letters, digits, '.', '_' or '-': " + NAME);
        String version = provider.version();
        try {
            SemVer.parse(version);
        } catch (IllegalArgumentException e) {
            fail("version '" + version + "' is not SemVer: " + e.getMessage() + " (the host refuses the provider)");
        }
        String requires = provider.requires();
        VersionRange range = null;
        try {
            range = VersionRange.parse(requires);
        } catch (IllegalArgumentException e) {
            fail("requires() is '" + requires + "', which is not an API range: " + e.getMessage()
                    + "; state the API range the provider was built for, e.g. \"^"
                    + SemVer.api().major()
                    + ".0\" (the host refuses the provider)");
        }
        VersionRange parsed = range;
        assertTrue(
                parsed.admitsCurrentApi(),
                () -> "requires() is '" + parsed + "', which does not admit the API " + ApiVersion.CURRENT
                        + " this testkit (and a host of the same version) provides; build against API "
                        + ApiVersion.CURRENT + " and require e.g. \"^"
                        + SemVer.api().major() + ".0\"");
        String d = provider.description();
        assertTrue(
                d != null && !d.isBlank() && !d.contains("\n"),
                () -> "description must be one non-empty line, is '" + d + "'");
        List<String> aliases = provider.aliases();
        assertTrue(aliases != null, "aliases() must return a list (empty for none), not null");
        Set<String> seen = new HashSet<>(Set.of(name.toLowerCase(Locale.ROOT)));
        for (String alias : aliases) {
            assertTrue(
                    alias != null && ALIAS.matcher(alias).matches(),
                    () -> "alias '" + alias + "' must be ASCII letters, digits, '.', '_' or '-': " + ALIAS
                            + " (the host refuses the provider)");
            assertTrue(
                    seen.add(alias.toLowerCase(Locale.ROOT)),
                    () -> "alias '" + alias + "' repeats the name or another alias (names and aliases are matched"
                            + " ignoring case; the host refuses the provider)");
        }
    }

    /**
     * The provider is found by {@link ServiceLoader} as {@code service} under its name, and its two declarations
     * agree: in a named module {@code provides service with …} in {@code module-info.java}, and the
     * {@code META-INF/services} entry the AutoService annotation processor writes (for hosts on the class path).
     *
     * <p>The caller's module must declare {@code uses service} for the {@code ServiceLoader} part; the testkit's own
     * module does for the three services of the API.
     */
    public static void declaredAsService(Provider<?, ?> provider, Class<? extends Provider<?, ?>> service) {
        Class<?> type = provider.getClass();
        assertTrue(service.isInstance(provider), () -> type.getName() + " does not implement " + service.getName());
        String serviceName = service.getName();
        Module module = type.getModule();
        if (module.isNamed()) {
            boolean provides = module.getDescriptor().provides().stream()
                    .filter(p -> p.service().equals(serviceName))
                    .map(ModuleDescriptor.Provides::providers)
                    .anyMatch(list -> list.contains(type.getName()));
            assertTrue(
                    provides,
                    () -> "module-info.java of " + module.getName() + " lacks: provides " + serviceName + " with "
                            + type.getName() + ";");
        }
        listedInServicesFile(type, service);
        boolean found = ServiceLoader.load(service).stream()
                .anyMatch(p -> p.type() == type && p.get().name().equals(provider.name()));
        assertTrue(
                found,
                () -> "ServiceLoader does not find " + type.getName() + " as the " + serviceName + " '"
                        + provider.name() + "'");
    }

    /**
     * {@code META-INF/services/<service>} lists {@code type}, as the AutoService annotation processor writes it; if
     * not, the message says whether the class lacks the annotation or the build lacks the processor.
     */
    static void listedInServicesFile(Class<?> type, Class<?> service) {
        if (servicesFileEntries(type, service.getName()).contains(type.getName())) return;
        String where = "META-INF/services/" + service.getName() + " does not list " + type.getName();
        String processor = "the annotation processor com.google.auto.service:auto-service in the"
                + " <annotationProcessorPaths> of maven-compiler-plugin";
        if (annotatedWithAutoService(type))
            fail(where + ", although it is annotated with @AutoService: the AutoService annotation processor did not"
                    + " run; add " + processor
                    + " (the annotations artifact, auto-service-annotations, writes nothing)");
        fail(where + "; annotate it with @AutoService(" + service.getSimpleName() + ".class) and add " + processor);
    }

    /**
     * Whether the class file carries {@code @AutoService}; the annotation is not visible to reflection (class
     * retention), so this looks for its descriptor among the class file's constants.
     */
    static boolean annotatedWithAutoService(Class<?> type) {
        String file = type.getName().substring(type.getName().lastIndexOf('.') + 1) + ".class";
        try (InputStream in = type.getResourceAsStream(file)) {
            if (in == null) return false;
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).contains("L" + AUTO_SERVICE + ";");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class file of " + type.getName(), e);
        }
    }

    private static List<String> servicesFileEntries(Class<?> type, String service) {
        String path = "META-INF/services/" + service;
        List<String> entries = new ArrayList<>();
        try {
            if (type.getModule().isNamed()) {
                try (InputStream in = type.getModule().getResourceAsStream(path)) {
                    if (in != null) entries.addAll(lines(in));
                }
            } else {
                for (URL url : Collections.list(type.getClassLoader().getResources(path)))
                    try (InputStream in = url.openStream()) {
                        entries.addAll(lines(in));
                    }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        return entries;
    }

    private static List<String> lines(InputStream in) throws IOException {
        List<String> out = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            String entry = line.replaceFirst("#.*", "").trim();
            if (!entry.isEmpty()) out.add(entry);
        }
        return out;
    }
}
