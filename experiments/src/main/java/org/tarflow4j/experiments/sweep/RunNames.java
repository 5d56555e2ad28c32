package org.tarflow4j.experiments.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** File-system-safe run names made of the swept values: {@code coupling-mog_patch-2}. */
final class RunNames {
    private static final int MAX = 120;

    private RunNames() {}

    /** Letters, digits, '.', '+' and '-' only, without leading dots or dashes. */
    static String safe(String text) {
        String s = text.replaceAll("\\[\\*]", "")
                .replaceAll("\\[(\\d+)]", "$1")
                .replaceAll("[^A-Za-z0-9.+-]+", "-")
                .replaceAll("-{2,}", "-")
                .replaceAll("^[-.]+|-+$", "");
        return s.isEmpty() ? "x" : s;
    }

    /** Each axis's part of a run name: its name, or its key's last part when that is unique among the axes. */
    static List<String> prefixes(List<Axis> axes) {
        List<String> shortNames = axes.stream().map(RunNames::shortName).toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            String s = shortNames.get(i);
            boolean clash = shortNames.indexOf(s) != shortNames.lastIndexOf(s);
            out.add(clash ? safe(axes.get(i).name()) : s);
        }
        return out;
    }

    private static String shortName(Axis axis) {
        if (axis.keys().size() > 1 || !axis.name().equals(axis.keys().get(0))) return safe(axis.name());
        String key = axis.name();
        return safe(key.substring(key.lastIndexOf('.') + 1));
    }

    /** {@code prefix-label} parts joined by '_', shortened with a hash when long, made unique among {@code taken}. */
    static String name(List<String> prefixes, List<String> labels, Set<String> taken) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < prefixes.size(); i++) parts.add(prefixes.get(i) + "-" + safe(labels.get(i)));
        String name = parts.isEmpty() ? "base" : String.join("_", parts);
        if (name.length() > MAX) name = name.substring(0, MAX - 9) + "-" + String.format("%08x", name.hashCode());
        String unique = name;
        for (int i = 2; !taken.add(unique.toLowerCase(java.util.Locale.ROOT)); i++) unique = name + "-" + i;
        return unique;
    }
}
