package org.tarflow4j.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionRangeTest {
    @ParameterizedTest
    @CsvSource({
        "^1.0, 1.0.0, true", "^1.0, 1.9.3, true", "^1.0, 2.0.0, false", "^1.2, 1.1.9, false",
        "^0.2.1, 0.2.5, true", "^0.2.1, 0.3.0, false", "~1.2, 1.2.9, true", "~1.2, 1.3.0, false",
        ">=1.0.0 <2.0.0, 1.5.0, true", ">=1.0.0 <2.0.0, 2.0.0, false", "1.0.0, 1.0.0, true", "1.0.0, 1.0.1, false",
        "^2.0 || ^1.1, 1.4.0, true", "^2.0 || ^1.1, 1.0.0, false", "*, 7.0.0, true", ">1.0.0, 1.0.0-rc.1, false",
        ">=1.0.0, 1.0.0-rc.1, false", ">=1.0.0-rc.1, 1.0.0, true"
    })
    void admits(String range, String version, boolean expected) {
        assertEquals(expected, VersionRange.parse(range).admits(SemVer.parse(version)), range + " admits " + version);
    }

    @ParameterizedTest
    @CsvSource({"'', empty version range", "'^x.y', 'is not a version'"})
    void rejectsMalformedRanges(String range, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VersionRange.parse(range));
        assertEquals(true, e.getMessage().contains(message), e.getMessage());
    }
}
