package org.tarflow4j.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;

/** torchrun's environment variables, read and checked. */
class RendezvousTest {
    @Test
    void readsTorchrunsVariables() {
        assertNull(Rendezvous.fromEnvironment(Map.of()), "no WORLD_SIZE: a single process");
        Rendezvous r = Rendezvous.fromEnvironment(Map.of(
                "RANK",
                "3",
                "WORLD_SIZE",
                "4",
                "LOCAL_RANK",
                "1",
                "LOCAL_WORLD_SIZE",
                "2",
                "MASTER_ADDR",
                "node0",
                "MASTER_PORT",
                "29500"));
        assertEquals(new Rendezvous("node0", 29500, 3, 4, 1, 2, false), r);
        assertEquals(r, Rendezvous.fromEnvironment(r.environment()), "what the launcher sets is what a worker reads");
        Rendezvous agent = new Rendezvous("127.0.0.1", 40000, 0, 2, 0, 2, true);
        assertEquals(agent, Rendezvous.fromEnvironment(agent.environment()));
        assertTrue(!agent.hostsStore() && !r.hostsStore());
    }

    @Test
    void badVariablesAreOneLineErrors() {
        assertEquals(
                "data-parallel environment: RANK=2 is not one of 0..1 (WORLD_SIZE=2); ranks count from 0",
                message(Map.of("RANK", "2", "WORLD_SIZE", "2", "MASTER_PORT", "29500")));
        assertEquals(
                "data-parallel environment: WORLD_SIZE=\"two\" is not a whole number",
                message(Map.of("RANK", "0", "WORLD_SIZE", "two", "MASTER_PORT", "29500")));
        assertTrue(message(Map.of("RANK", "0", "WORLD_SIZE", "2"))
                .startsWith("data-parallel environment:" + " MASTER_PORT is not set"));
        assertTrue(message(Map.of("WORLD_SIZE", "2", "MASTER_PORT", "1"))
                .startsWith("data-parallel environment:" + " RANK is not set"));
    }

    private static String message(Map<String, String> env) {
        return assertThrows(TarflowException.class, () -> Rendezvous.fromEnvironment(env))
                .getMessage();
    }
}
