package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * In every module of the reactor (built-in plugins, the mixers, the example plugin), the {@code provides}
 * lines of {@code module-info.java} and the service files AutoService wrote for the class path name the same
 * providers, so a component is found whether its jar sits on the module path or the class path.
 */
class ServiceDeclarationsTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));
    private static final Pattern IMPORT = Pattern.compile("import\\s+([\\w.]+)\\s*;");
    private static final Pattern PROVIDES = Pattern.compile("provides\\s+([\\w.]+)\\s+with\\s+([\\w.,\\s]+);");

    @Test
    void moduleInfoAndAutoServiceAgreeEverywhere() throws Exception {
        List<Path> infos;
        try (Stream<Path> s = Files.walk(ROOT)) {
            infos = s.filter(p -> p.endsWith(Path.of("src/main/java/module-info.java")))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
        int checked = 0;
        for (Path info : infos) {
            String text = Files.readString(info).replaceAll("//.*|/\\*(?s:.*?)\\*/", "");
            Map<String, String> imports = new TreeMap<>();
            Matcher i = IMPORT.matcher(text);
            while (i.find()) imports.put(i.group(1).substring(i.group(1).lastIndexOf('.') + 1), i.group(1));
            Map<String, Set<String>> declared = new TreeMap<>();
            Matcher m = PROVIDES.matcher(text);
            while (m.find()) {
                Set<String> with = new TreeSet<>();
                for (String name : m.group(2).replaceAll("\\s", "").split(","))
                    with.add(imports.getOrDefault(name, name));
                declared.put(imports.getOrDefault(m.group(1), m.group(1)), with);
            }
            Path services =
                    info.getParent().getParent().getParent().getParent().resolve("target/classes/META-INF/services");
            Map<String, Set<String>> written = new TreeMap<>();
            if (Files.isDirectory(services)) {
                try (Stream<Path> files = Files.list(services)) {
                    for (Path f : files.toList()) {
                        Set<String> names = new TreeSet<>();
                        for (String line : Files.readAllLines(f))
                            if (!line.isBlank() && !line.startsWith("#")) names.add(line.strip());
                        written.put(f.getFileName().toString(), names);
                    }
                }
            }
            assertEquals(declared, written, info + " and its META-INF/services");
            checked += declared.size();
        }
        assertTrue(checked >= 6, "providers checked: " + checked + " in " + infos.size() + " modules");
    }
}
