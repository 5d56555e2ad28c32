package org.tarflow4j.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Semantic Versioning 2.0 version, {@code MAJOR.MINOR.PATCH[-PRE][+BUILD]}: pre-releases order before their release,
 * build metadata is ignored. Providers' {@link Provider#version()} and {@link ApiVersion#CURRENT} are of this form.
 */
public record SemVer(int major, int minor, int patch, String preRelease) implements Comparable<SemVer> {
    private static final Pattern FORM =
            Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?");

    public SemVer {
        if (major < 0 || minor < 0 || patch < 0)
            throw new IllegalArgumentException(
                    "version parts must not be negative: " + major + "." + minor + "." + patch);
        if (preRelease == null) preRelease = "";
    }

    /** Parses {@code MAJOR.MINOR.PATCH}, with an optional {@code -pre.release} and {@code +build}; fails naming the text. */
    public static SemVer parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches())
            throw new IllegalArgumentException("'" + text + "' is not a version of the form MAJOR.MINOR.PATCH");
        try {
            return new SemVer(
                    Integer.parseInt(m.group(1)),
                    Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)),
                    m.group(4) == null ? "" : m.group(4));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a version part too large for an int");
        }
    }

    /** The version of these interfaces, {@link ApiVersion#CURRENT}. */
    public static SemVer api() {
        return parse(ApiVersion.CURRENT);
    }

    @Override
    public int compareTo(SemVer o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(patch, o.patch);
        if (c == 0 && !preRelease.equals(o.preRelease)) {
            if (preRelease.isEmpty()) return 1;
            if (o.preRelease.isEmpty()) return -1;
            c = preRelease.compareTo(o.preRelease);
        }
        return c;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + preRelease);
    }
}
