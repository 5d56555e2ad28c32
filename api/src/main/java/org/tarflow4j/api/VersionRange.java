package org.tarflow4j.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A range of versions in the npm notation providers state in {@link Provider#requires()}: comparators
 * ({@code >=1.0.0 <2.0.0}), caret ({@code ^1.2}: same major, or same minor below 1.0), tilde ({@code ~1.2}: same
 * minor), a bare version (exact), {@code *}, and alternatives joined by {@code ||}. Missing minor or patch parts read
 * as 0. The host refuses a provider whose range does not parse or does not admit {@link ApiVersion#CURRENT}; the
 * testkit checks the same with this class.
 */
public final class VersionRange {
    private static final String[] OPERATORS = {">=", "<=", ">", "<", "=", "^", "~"};

    private final String text;
    private final List<List<Predicate<SemVer>>> alternatives;

    private VersionRange(String text, List<List<Predicate<SemVer>>> alternatives) {
        this.text = text;
        this.alternatives = alternatives;
    }

    /** Parses a range; fails with a message naming the part that is not a version or an operator. */
    public static VersionRange parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty version range");
        List<List<Predicate<SemVer>>> alternatives = new ArrayList<>();
        for (String alternative : text.split("\\|\\|", -1)) {
            if (alternative.isBlank())
                throw new IllegalArgumentException("'" + text.trim() + "' has an empty alternative around '||'");
            List<Predicate<SemVer>> all = new ArrayList<>();
            for (String term : alternative.trim().split("\\s+")) all.add(term(term));
            alternatives.add(all);
        }
        return new VersionRange(text.trim(), alternatives);
    }

    public boolean admits(SemVer version) {
        return alternatives.stream().anyMatch(all -> all.stream().allMatch(p -> p.test(version)));
    }

    /** Whether this range admits the API these interfaces are, {@link ApiVersion#CURRENT}. */
    public boolean admitsCurrentApi() {
        return admits(SemVer.api());
    }

    @Override
    public String toString() {
        return text;
    }

    private static Predicate<SemVer> term(String term) {
        if (term.equals("*") || term.equals("x")) return v -> true;
        for (String op : OPERATORS) {
            if (!term.startsWith(op)) continue;
            SemVer b = lenient(term.substring(op.length()));
            return switch (op) {
                case ">=" -> v -> v.compareTo(b) >= 0;
                case "<=" -> v -> v.compareTo(b) <= 0;
                case ">" -> v -> v.compareTo(b) > 0;
                case "<" -> v -> v.compareTo(b) < 0;
                case "=" -> v -> v.compareTo(b) == 0;
                case "^" -> v -> v.compareTo(b) >= 0 && v.compareTo(caretLimit(b)) < 0;
                default -> v -> v.compareTo(b) >= 0 && v.compareTo(new SemVer(b.major(), b.minor() + 1, 0, "")) < 0;
            };
        }
        SemVer exact = lenient(term);
        return v -> v.compareTo(exact) == 0;
    }

    /** {@code ^1.2.3 := <2.0.0}, {@code ^0.2.3 := <0.3.0}, {@code ^0.0.3 := <0.0.4}. */
    private static SemVer caretLimit(SemVer b) {
        if (b.major() > 0) return new SemVer(b.major() + 1, 0, 0, "");
        if (b.minor() > 0) return new SemVer(0, b.minor() + 1, 0, "");
        return new SemVer(0, 0, b.patch() + 1, "");
    }

    /** {@code 1}, {@code 1.2} and {@code 1.2.3}, each with an optional pre-release. */
    private static SemVer lenient(String text) {
        String[] split = text.split("-", 2);
        String[] parts = split[0].split("\\.", -1);
        boolean numeric = parts.length <= 3;
        for (String part : parts) numeric &= !part.isEmpty() && part.chars().allMatch(Character::isDigit);
        if (!numeric)
            throw new IllegalArgumentException("'" + text + "' is not a version (MAJOR[.MINOR[.PATCH]], e.g. 1.0)");
        String core = parts[0] + "." + (parts.length > 1 ? parts[1] : "0") + "." + (parts.length > 2 ? parts[2] : "0");
        return SemVer.parse(split.length > 1 ? core + "-" + split[1] : core);
    }
}
