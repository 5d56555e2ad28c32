package org.tarflow4j.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys that differ between two resolved configs, named by path. */
class ConfigAgreementTest {
    private static final String MAIN = """
            [model]
            latent = 3

            [[flow]]
            coupling = "rosenblatt"

            [flow.coupling_options]
            tie_to_encoder = true

            [[flow]]
            coupling = "mog"

            [flow.coupling_options]
            mixtures = 4

            [train]
            lr = 0.002
            """;

    @Test
    void flattensTablesAndArraysOfTables() {
        Map<String, String> keys = ConfigAgreement.flatten(MAIN);
        assertEquals("3", keys.get("model.latent"));
        assertEquals("\"mog\"", keys.get("flow[1].coupling"));
        assertEquals("true", keys.get("flow[0].coupling_options.tie_to_encoder"));
        assertEquals("4", keys.get("flow[1].coupling_options.mixtures"));
        assertEquals("0.002", keys.get("train.lr"));
    }

    @Test
    void namesEveryDifferingKeyWithBothValues() {
        String mine = MAIN.replace("mixtures = 4", "mixtures = 8").replace("lr = 0.002", "lr = 0.001\nsteps = 9");
        assertEquals(
                List.of(
                        "flow[1].coupling_options.mixtures (rank 0: 4, rank 1: 8)",
                        "train.lr (rank 0: 0.002, rank 1: 0.001)",
                        "train.steps (rank 0: unset, rank 1: 9)"),
                ConfigAgreement.differences(MAIN, mine, 1));
        assertEquals(List.of(), ConfigAgreement.differences(MAIN, MAIN, 1));
    }
}
