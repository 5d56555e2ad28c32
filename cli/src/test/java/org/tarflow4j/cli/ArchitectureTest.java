package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * The floor plan holds: the module table of ARCHITECTURE.md names every module of the reactor with exactly the
 * tarflow4j modules its {@code module-info.java} requires, plugins require the api alone, and no package of the main
 * sources depends on itself through others (no package cycles).
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));
    private static final Pattern MODULE = Pattern.compile("module\\s+([\\w.]+)\\s*\\{");
    private static final Pattern REQUIRES =
            Pattern.compile("requires\\s+(?:transitive\\s+|static\\s+)*(org\\.tarflow4j[\\w.]*)\\s*;");
    private static final Pattern ROW = Pattern.compile("^\\| `([\\w/-]+)` \\| `([\\w.]+)` \\| ([^|]*) \\|");

    /** JPMS module name → the tarflow4j modules it requires, read from every module-info.java of the reactor. */
    private static Map<String, Set<String>> moduleGraph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (Path info : mainSources("module-info.java")) {
            String text = Files.readString(info).replaceAll("//.*|/\\*(?s:.*?)\\*/", "");
            Matcher m = MODULE.matcher(text);
            assertTrue(m.find(), info.toString());
            Set<String> requires = new TreeSet<>();
            Matcher r = REQUIRES.matcher(text);
            while (r.find()) requires.add(r.group(1));
            graph.put(m.group(1), requires);
        }
        return graph;
    }

    /** The table's rows: JPMS module → the modules its "requires" column names. */
    private static Map<String, Set<String>> documentedGraph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("ARCHITECTURE.md"))) {
            Matcher m = ROW.matcher(line);
            if (!m.find()) continue;
            Set<String> requires = new TreeSet<>();
            Matcher named = Pattern.compile("`(org\\.tarflow4j[\\w.]*)`").matcher(m.group(3));
            while (named.find()) requires.add(named.group(1));
            graph.put(m.group(2), requires);
        }
        return graph;
    }

    @Test
    void architectureTableIsTheModuleGraph() throws IOException {
        Map<String, Set<String>> documented = documentedGraph();
        Map<String, Set<String>> actual = moduleGraph();
        actual.keySet().removeIf(name -> name.startsWith("org.example"));
        assertEquals(actual, documented, "ARCHITECTURE.md's module table against the module-info.java files");
    }

    @Test
    void pluginsSeeOnlyTheApi() throws IOException {
        for (Map.Entry<String, Set<String>> e : moduleGraph().entrySet()) {
            String module = e.getKey();
            boolean plugin = module.startsWith("org.tarflow4j.coupling.")
                    || module.startsWith("org.tarflow4j.backbone.")
                    || module.equals("org.tarflow4j.mixer")
                    || module.startsWith("org.example");
            if (plugin) assertEquals(Set.of("org.tarflow4j.api"), e.getValue(), module);
        }
    }

    @Test
    void noPackageCycles() throws IOException {
        Pattern pkg = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
        Pattern reference = Pattern.compile("(org\\.tarflow4j(?:\\.[a-z]\\w*)*)\\.[A-Z]");
        Map<String, Set<String>> uses = new LinkedHashMap<>();
        for (Path source : mainSources(".java")) {
            String text = Files.readString(source);
            Matcher p = pkg.matcher(text);
            if (!p.find()) continue;
            Set<String> used = uses.computeIfAbsent(p.group(1), k -> new TreeSet<>());
            Matcher r = reference.matcher(text);
            while (r.find()) if (!r.group(1).equals(p.group(1))) used.add(r.group(1));
        }
        List<String> cycles = new ArrayList<>();
        for (String from : uses.keySet())
            for (String to : uses.get(from))
                if (reaches(uses, to, from, new TreeSet<>())) cycles.add(from + " -> " + to);
        assertEquals(List.of(), cycles, "package dependencies that lead back to where they start");
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String target, Set<String> seen) {
        if (from.equals(target)) return true;
        if (!seen.add(from)) return false;
        for (String next : uses.getOrDefault(from, Set.of())) if (reaches(uses, next, target, seen)) return true;
        return false;
    }

    private static List<Path> mainSources(String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(ROOT)) {
            return s.filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .filter(p -> !p.toString().contains("/archetype-resources/"))
                    .filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        }
    }
}
