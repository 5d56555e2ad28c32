package org.tarflow4j.mixer;

import java.util.List;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.testkit.MixerCase;
import org.tarflow4j.testkit.MixerHarness;

/**
 * The built-in mixers through the testkit's mixer harness: odd and even channel counts, one channel, and patches of 2
 * tokens. Which permutation even-odd is, and that identity is the identity, {@link MixersTest} checks.
 */
class MixersConformanceTest extends MixerHarness {
    @Override
    protected List<MixerCase> cases() {
        EvenOddMixerProvider evenOdd = new EvenOddMixerProvider();
        IdentityMixerProvider identity = new IdentityMixerProvider();
        return List.of(
                MixerCase.of("1 channel", evenOdd, new MixerContext(1, 1)),
                MixerCase.of("5 channels", evenOdd, new MixerContext(5, 5)),
                MixerCase.of("patch 2 of 4 channels", evenOdd, new MixerContext(8, 4)),
                MixerCase.of("5 channels", identity, new MixerContext(5, 5)),
                MixerCase.of("patch 2 of 3 channels", identity, new MixerContext(6, 3)));
    }
}
