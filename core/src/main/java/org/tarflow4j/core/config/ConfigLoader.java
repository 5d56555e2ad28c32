package org.tarflow4j.core.config;

import com.moandjiezana.toml.Toml;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.ComponentNames;

/**
 * Reads TOML configuration strictly: every key must be known, every value of the right type, and TOML 1.0 syntax
 * that TOML4J (TOML 0.4) cannot read gets a message showing the 0.4 form. Overrides go through the same checks.
 */
public final class ConfigLoader {
    /** The configuration used when none is given: a small Mix-d TarFlowLM on the embedded corpus. */
    public static final String DEFAULT_SOURCE = "built-in default";

    private static final List<String> SECTIONS =
            List.of("model", "flow", "ar", "data", "train", "eval", "sample", "couplings", "backbones", "mixers");
    private static final Pattern HEADER = Pattern.compile("^\\s*\\[\\[?\\s*([^\\]]+?)\\s*]]?\\s*(#.*)?$");
    /** A comment after a table header, which TOML 0.4 allows and TOML4J misreads when it holds quotes or brackets. */
    private static final Pattern HEADER_COMMENT = Pattern.compile("(?m)^(\\s*\\[\\[?[A-Za-z0-9_.\\-]+\\]\\]?)\\s*#.*$");

    private static final Pattern FLOW_HEADER = Pattern.compile("(?m)^\\s*\\[\\[\\s*flow\\s*]]");

    private static final Pattern DOTTED =
            Pattern.compile("^\\s*([A-Za-z0-9_-]+(?:\\s*\\.\\s*[A-Za-z0-9_-]+)+)\\s*=\\s*(.*)$");

    /**
     * The most {@code [[flow]]} layers a configuration may have. The paper's models have a handful; 200,000 tables once
     * took 190 s and 20.8 GB before anything useful happened.
     */
    public static final int MAX_FLOW_LAYERS = 256;

    private ConfigLoader() {}

    /** Reads {@code file}, or the built-in default when it is null, and applies the overrides in order. */
    public static TarflowConfig load(Path file, List<String> overrides) {
        return load(file, overrides, ComponentNames.LITERAL);
    }

    /**
     * Reads {@code file}, or the built-in default when it is null, and applies the overrides in order; components are
     * recorded by the canonical names {@code names} gives them (the plugin registry: aliases such as {@code Mix-1}).
     */
    public static TarflowConfig load(Path file, List<String> overrides, ComponentNames names) {
        if (file == null) return parse(defaultText(), DEFAULT_SOURCE, overrides, names);
        if (Files.isDirectory(file))
            throw new ConfigException("config file " + file + " is a directory; give the path of a .toml file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw notText(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist; give the path of a .toml file"
                    + " (examples/configs has some), or none for the built-in default");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        if (text.indexOf('\0') >= 0) throw notText(file);
        return parse(text, file.toString(), overrides, names);
    }

    private static ConfigException notText(Path file) {
        return new ConfigException("config file " + file + " is not a text file (it is not UTF-8 text: a binary file?);"
                + " give a TOML file, e.g. one of examples/configs");
    }

    public static String defaultText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("default.toml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("the built-in default config is missing from the trainer jar", e);
        }
    }

    public static TarflowConfig parse(String text, String source, List<String> overrideTexts) {
        return parse(text, source, overrideTexts, ComponentNames.LITERAL);
    }

    /**
     * Parses {@code text} (read from {@code source}), applies the overrides in order ({@code PATH=VALUE}, or
     * {@link ConfigOverride#unsetting} for {@code --unset}) and validates the result.
     */
    public static TarflowConfig parse(String text, String source, List<String> overrideTexts, ComponentNames names) {
        rejectDottedKeys(text, source);
        rejectTooManyLayers(text, source);
        Map<String, Object> raw;
        try {
            raw = mutable(new Toml()
                    .read(HEADER_COMMENT.matcher(text).replaceAll("$1"))
                    .toMap());
        } catch (RuntimeException e) {
            throw new ConfigException(source + ": " + e.getMessage() + " (tarflow reads TOML 0.4)");
        }
        List<ConfigOverride> overrides =
                overrideTexts.stream().map(ConfigOverride::parse).toList();
        AppliedOverrides applied = new AppliedOverrides(raw, names, source);
        for (ConfigOverride o : overrides) {
            if (!SECTIONS.contains(o.section()))
                throw new ConfigException(o.quoted() + ": unknown table [" + o.section() + "]; tables are "
                        + String.join(", ", SECTIONS));
            applied.apply(o);
        }
        List<String> notes = applied.dropOptionsOfSwitchedComponents();
        try {
            return build(raw, source, applied.origins(), notes);
        } catch (OptionException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static TarflowConfig build(
            Map<String, Object> raw, String file, Map<String, String> origins, List<String> notes) {
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!SECTIONS.contains(e.getKey()))
                throw new ConfigException(
                        e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>
                                ? "unknown table [" + e.getKey() + "] in " + file + "; tables are "
                                        + String.join(", ", SECTIONS)
                                : "key '" + e.getKey() + "' in " + file
                                        + " is outside any table; put it under its table, e.g. [train]");
        }
        Map<String, Object> resolved = new LinkedHashMap<>();
        ModelConfig model = section(raw, "model", file, origins, resolved, ModelConfig::read);
        List<FlowLayerConfig> flow = flowLayers(raw, file, origins, resolved);
        Map<String, Map<String, Object>> arTables = new LinkedHashMap<>();
        ArConfig ar = section(raw, "ar", file, origins, resolved, o -> ArConfig.read(o, arTables), arTables);
        DataConfig data = section(raw, "data", file, origins, resolved, DataConfig::read);
        TrainConfig train = section(raw, "train", file, origins, resolved, TrainConfig::read);
        EvalConfig eval = section(raw, "eval", file, origins, resolved, EvalConfig::read);
        SampleConfig sample = section(raw, "sample", file, origins, resolved, SampleConfig::read);
        if (model.isFlow() && flow.isEmpty())
            throw new ConfigException(file + ": a flow model needs at least one [[flow]] layer");
        Map<ComponentKind, Map<String, Map<String, Object>>> shared = new EnumMap<>(ComponentKind.class);
        for (ComponentKind kind : List.of(ComponentKind.COUPLING, ComponentKind.BACKBONE, ComponentKind.MIXER))
            shared.put(kind, defaults(raw, kind.sharedTable(), file, resolved));
        return new TarflowConfig(
                file, model, flow, ar, data, train, eval, sample, shared, raw, resolved, origins, notes);
    }

    private interface Reader<T> {
        T read(Options o);
    }

    private static <T> T section(
            Map<String, Object> raw,
            String name,
            String file,
            Map<String, String> origins,
            Map<String, Object> resolved,
            Reader<T> reader) {
        return section(raw, name, file, origins, resolved, reader, null);
    }

    private static <T> T section(
            Map<String, Object> raw,
            String name,
            String file,
            Map<String, String> origins,
            Map<String, Object> resolved,
            Reader<T> reader,
            Map<String, Map<String, Object>> components) {
        Map<String, Object> table = table(raw.get(name), name, file);
        if (components != null) table = splitComponentTables(table, components);
        Options o = Options.of(name, file, table, TarflowConfig.under(origins, name));
        T value = reader.read(o);
        o.requireAllRead();
        Map<String, Object> out = new LinkedHashMap<>(o.resolved());
        if (components != null) out.putAll(components);
        resolved.put(name, out);
        return value;
    }

    private static List<FlowLayerConfig> flowLayers(
            Map<String, Object> raw, String file, Map<String, String> origins, Map<String, Object> resolved) {
        Object value = raw.get("flow");
        if (value == null) return List.of();
        if (!(value instanceof List<?> list) || list.stream().anyMatch(e -> !(e instanceof Map<?, ?>)))
            throw new ConfigException(
                    file + ": flow layers are an array of tables; write each layer as [[flow]], not [flow]");
        if (list.size() > MAX_FLOW_LAYERS) throw tooManyLayers(file, list.size());
        List<FlowLayerConfig> layers = new ArrayList<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Map<String, Map<String, Object>> components = new LinkedHashMap<>();
            Map<String, Object> table = splitComponentTables(cast(list.get(i)), components);
            Options o = Options.of("flow[" + i + "]", file, table, TarflowConfig.under(origins, "flow[" + i + "]"));
            layers.add(FlowLayerConfig.read(i, o, components));
            o.requireAllRead();
            Map<String, Object> r = new LinkedHashMap<>(o.resolved());
            r.putAll(components);
            out.add(r);
        }
        resolved.put("flow", out);
        return List.copyOf(layers);
    }

    /** Moves the {@code *_options} sub-tables out of {@code table} into {@code into}; returns the rest. */
    private static Map<String, Object> splitComponentTables(
            Map<String, Object> table, Map<String, Map<String, Object>> into) {
        Map<String, Object> rest = new LinkedHashMap<>();
        table.forEach((k, v) -> {
            if (TarflowConfig.LAYER_TABLES.contains(k) && v instanceof Map<?, ?> m) into.put(k, cast(m));
            else rest.put(k, v);
        });
        return rest;
    }

    private static Map<String, Map<String, Object>> defaults(
            Map<String, Object> raw, String name, String file, Map<String, Object> resolved) {
        Map<String, Object> table = table(raw.get(name), name, file);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        table.forEach((component, v) -> {
            if (!(v instanceof Map<?, ?> m))
                throw new ConfigException("[" + name + "] " + component + " in " + file
                        + " must be a table of options, as in [" + name + "." + component + "]");
            out.put(component, cast(m));
        });
        if (!out.isEmpty()) resolved.put(name, new LinkedHashMap<>(out));
        return out;
    }

    private static Map<String, Object> table(Object value, String name, String file) {
        if (value == null) return Map.of();
        if (!(value instanceof Map<?, ?> m))
            throw new ConfigException(file + ": [" + name + "] must be a table"
                    + (value instanceof List<?> ? ", not an array of tables [[" + name + "]]" : ""));
        return cast(m);
    }

    /** Counts the {@code [[flow]]} headers before TOML4J reads them all (which takes minutes for 100,000s). */
    private static void rejectTooManyLayers(String text, String source) {
        Matcher m = FLOW_HEADER.matcher(text);
        int layers = 0;
        while (m.find()) layers++;
        if (layers > MAX_FLOW_LAYERS) throw tooManyLayers(source, layers);
    }

    private static ConfigException tooManyLayers(String source, int layers) {
        return new ConfigException(source + " has " + layers + " [[flow]] layers; tarflow4j builds at most "
                + MAX_FLOW_LAYERS + " (the paper's models have a handful); remove layers, or deepen each layer's"
                + " backbone ([flow.backbone_options] depth) instead");
    }

    /** TOML 1.0 dotted keys ({@code a.b = 1}) are not TOML 0.4; say how to write them as a table. */
    private static void rejectDottedKeys(String text, String source) {
        String table = "";
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher h = HEADER.matcher(lines[i]);
            if (h.matches() && !lines[i].contains("=")) {
                table = h.group(1).trim();
                continue;
            }
            Matcher d = DOTTED.matcher(lines[i]);
            if (!d.matches()) continue;
            String[] parts = d.group(1).replaceAll("\\s", "").split("\\.");
            String key = parts[parts.length - 1];
            String prefix = String.join(".", List.of(parts).subList(0, parts.length - 1));
            String header = table.isEmpty() ? prefix : table + "." + prefix;
            throw new ConfigException(
                    source + ", line " + (i + 1) + ": '" + lines[i].trim() + "' is a dotted key (TOML 1.0), which "
                            + "tarflow's TOML 0.4 reader does not accept; write it as a table instead:\n  [" + header
                            + "]\n  " + key
                            + " = " + d.group(2).trim());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object m) {
        return (Map<String, Object>) m;
    }

    /** A deep, mutable, order-keeping copy (TOML4J returns hash maps). */
    private static Map<String, Object> mutable(Map<String, Object> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.keySet().stream().sorted(ConfigLoader::sectionOrder).forEach(k -> out.put(k, mutableValue(map.get(k))));
        return out;
    }

    /** A TOML4J value as a mutable, order-keeping tree with floats read exactly. */
    static Object mutableValue(Object v) {
        if (v instanceof Map<?, ?> m) return mutable(cast(m));
        // TOML4J reads 3e-4 as 3.0000000000000003e-4; a literal of up to 15 significant digits is recovered exactly.
        if (v instanceof Double d && Double.isFinite(d))
            return new BigDecimal(d).round(new MathContext(15)).doubleValue();
        if (v instanceof List<?> l)
            return new ArrayList<>(l.stream().map(ConfigLoader::mutableValue).toList());
        return v;
    }

    private static int sectionOrder(String a, String b) {
        int ia = SECTIONS.indexOf(a), ib = SECTIONS.indexOf(b);
        if (ia >= 0 && ib >= 0) return Integer.compare(ia, ib);
        if (ia >= 0 || ib >= 0) return ia >= 0 ? -1 : 1;
        return a.compareTo(b);
    }
}
