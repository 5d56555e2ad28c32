package org.tarflow4j.core.plugin;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Semantic Versioning 2.0 version; pre-release tags order before the release, build metadata is ignored. */
public record SemVer(int major, int minor, int patch, String preRelease) implements Comparable<SemVer> {
    private static final Pattern FORM =
            Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?");

    public static SemVer parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches())
            throw new IllegalArgumentException("'" + text + "' is not a version of the form MAJOR.MINOR.PATCH");
        return new SemVer(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)),
                m.group(4) == null ? "" : m.group(4));
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
