package org.tarflow4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionRangeTest {
    @ParameterizedTest(name = "{0} admits {1}: {2}")
    @CsvSource({
        "^1.0, 1.0.0, true", "^1.0, 1.9.3, true", "^1.0, 2.0.0, false", "^1.2, 1.1.9, false",
        "^0.2.1, 0.2.5, true", "^0.2.1, 0.3.0, false", "^0.0.3, 0.0.3, true", "^0.0.3, 0.0.4, false",
        "~1.2, 1.2.9, true", "~1.2, 1.3.0, false", ">=1.0.0 <2.0.0, 1.5.0, true", ">=1.0.0 <2.0.0, 2.0.0, false",
        "1.0.0, 1.0.0, true", "1.0.0, 1.0.1, false", "=1.2, 1.2.0, true", "<=1.2, 1.2.1, false",
        "^2.0 || ^1.1, 1.4.0, true", "^2.0 || ^1.1, 1.0.0, false", "*, 7.0.0, true", ">1.0.0, 1.0.0-rc.1, false",
        ">=1.0.0, 1.0.0-rc.1, false", ">=1.0.0-rc.1, 1.0.0, true", "^1.0, 1.0.0+build.5, true"
    })
    void admits(String range, String version, boolean expected) {
        assertEquals(expected, VersionRange.parse(range).admits(SemVer.parse(version)), range + " admits " + version);
    }

    @ParameterizedTest(name = "''{0}'' is refused: {1}")
    @CsvSource({
        "'', empty version range",
        "banana, 'banana' is not a version",
        "'^x.y', 'x.y' is not a version",
        "'>=1.0.0 <two', 'two' is not a version",
        "'^1.0 ||', empty alternative",
        "1.2.3.4, '1.2.3.4' is not a version",
        "'^1..0', '1..0' is not a version"
    })
    void rejectsMalformedRanges(String range, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VersionRange.parse(range));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void theCurrentApiIsAVersionAndCaretOfItsMajorAdmitsIt() {
        SemVer api = SemVer.api();
        assertEquals(ApiVersion.CURRENT, api.toString());
        assertTrue(VersionRange.parse("^" + api.major() + ".0").admitsCurrentApi());
        assertEquals(false, VersionRange.parse("^" + (api.major() + 1) + ".0").admitsCurrentApi());
    }

    @ParameterizedTest(name = "''{0}'' is not SemVer")
    @CsvSource({"1.0", "v1.0.0", "1.0.0-", "banana", "99999999999.0.0"})
    void rejectsMalformedVersions(String version) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SemVer.parse(version));
        assertTrue(e.getMessage().contains(version), e.getMessage());
    }

    @Test
    void preReleasesOrderBeforeTheirRelease() {
        assertTrue(SemVer.parse("1.0.0-alpha").compareTo(SemVer.parse("1.0.0-beta")) < 0);
        assertTrue(SemVer.parse("1.0.0-beta").compareTo(SemVer.parse("1.0.0")) < 0);
        assertTrue(SemVer.parse("1.0.0").compareTo(SemVer.parse("1.0.1-rc.1")) < 0);
        assertEquals(0, SemVer.parse("1.2.3+abc").compareTo(SemVer.parse("1.2.3")));
    }
}
