package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Warmup, cosine decay to the minimum at the end of the step budget, or of the wall-clock budget when that ends first. */
class LearningRateTest {
    private static final double TOL = 1e-12;

    @Test
    void warmsUpThenDecaysToTheMinimumAtTheLastStep() {
        LearningRate lr = new LearningRate(1.0, 0.1, 10, 110, 0);
        assertEquals(0.1, lr.at(0, 0), TOL);
        assertEquals(1.0, lr.at(9, 0), TOL);
        assertEquals(1.0, lr.at(10, 0), TOL);
        assertEquals(0.55, lr.at(60, 0), TOL, "halfway through the decay: the mean of peak and minimum");
        assertEquals(0.1, lr.at(110, 1e9), TOL, "no wall-clock budget: time does not count");
    }

    @Test
    void aWallClockBudgetEndingFirstSetsThePace() {
        LearningRate lr = new LearningRate(1.0, 0.1, 10, 1_000_010, 600);
        assertEquals(0.55, lr.at(20, 300), TOL, "half the time gone, a negligible share of the steps");
        assertEquals(0.1, lr.at(30, 600), TOL);
        assertEquals(0.1, lr.at(40, 900), TOL, "past the budget (the last step of a run) stays at the minimum");
        assertEquals(
                0.55, new LearningRate(1.0, 0.1, 10, 110, 1e6).at(60, 10), TOL, "the step budget ending first sets it");
    }
}
