package org.tarflow4j.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;

/**
 * Joining a run goes wrong in the ways people get it wrong, each a one-line error naming what to fix, within the
 * rendezvous timeout: a port in use, an unreachable master, a rank that never comes, ranks started with different
 * WORLD_SIZE or configurations, CUDA asked for where there is none. Two ranks run as two threads of this JVM over
 * loopback (real TCPStore and Gloo; the launch tests run them as processes).
 */
class WorldTest {
    private static final Duration RENDEZVOUS = Duration.ofSeconds(3);
    private static final Duration COLLECTIVE = Duration.ofSeconds(10);

    @Test
    void aPortInUseIsNamed() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            String m = error(rendezvous(port, 0, 2), RENDEZVOUS);
            assertEquals(
                    "MASTER_PORT " + port + " is already in use on this machine (", m.substring(0, m.indexOf('(') + 1));
            assertTrue(m.endsWith("); choose a free port for the rendezvous"), m);
        }
    }

    @Test
    void anUnreachableMasterIsNamedWithinTwiceTheTimeout() throws Exception {
        int port = freePort();
        long started = System.nanoTime();
        String m = error(rendezvous(port, 1, 2), Duration.ofSeconds(2));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(m.startsWith("cannot reach the rendezvous store at 127.0.0.1:" + port + " within 2 s ("), m);
        assertTrue(
                m.endsWith("check MASTER_ADDR and MASTER_PORT, and that rank 0 (or the launcher on node 0) is"
                        + " running"),
                m);
        assertTrue(seconds < 2 * 2 + 3, "libtorch retries once: " + seconds + " s");
    }

    @Test
    void aRankThatNeverComesIsNamed() throws Exception {
        String m = error(rendezvous(freePort(), 0, 3), RENDEZVOUS);
        assertTrue(m.startsWith("ranks 1, 2 of WORLD_SIZE=3 did not join the rendezvous at 127.0.0.1:"), m);
        assertTrue(
                m.endsWith("within 3 s; start every rank with the same MASTER_ADDR and MASTER_PORT, check"
                        + " WORLD_SIZE, or raise train.rendezvous_timeout"),
                m);
    }

    @Test
    void ranksStartedWithDifferentWorldSizesStop() throws Exception {
        int port = freePort();
        CompletableFuture<String> first = async(() -> error(rendezvous(port, 0, 2), RENDEZVOUS));
        Thread.sleep(1500);
        String second = error(new Rendezvous("127.0.0.1", port, 1, 3, 1, 3, false), RENDEZVOUS);
        assertTrue(
                second.startsWith("rank 1 was started with WORLD_SIZE=3, but the ranks that met at 127.0.0.1:" + port
                        + " before it with WORLD_SIZE=2; start every rank with the same WORLD_SIZE"),
                second);
        assertTrue(first.get(30, TimeUnit.SECONDS).startsWith("rank 1 of WORLD_SIZE=2 did not join"), first.get());
    }

    @Test
    void mixedConfigurationsStopEveryRankNamingTheKeys() throws Exception {
        int port = freePort();
        Function<Integer, String> rank = r -> {
            try (World w = World.join(rendezvous(port, r, 2), "cpu", RENDEZVOUS, COLLECTIVE)) {
                w.requireSameConfig("[train]\nlr = " + (r == 0 ? "0.002" : "0.001") + "\nsteps = 5\n");
                return "no error";
            } catch (TarflowException e) {
                return e.getMessage();
            }
        };
        CompletableFuture<String> zero = async(() -> rank.apply(0));
        String one = rank.apply(1);
        String expected = "rank 1 runs another configuration than rank 0: train.lr (rank 0: 0.002, rank 1: 0.001);"
                + " start every rank with the same config file and --set overrides (and the same plugins)";
        assertEquals(expected, one);
        assertEquals(expected, zero.get(30, TimeUnit.SECONDS), "rank 0 stops too, with the same message");
    }

    @Test
    void cudaWithoutAGpuNamesNcclBeforeConnecting() {
        String m = error(rendezvous(1, 0, 2), "cuda", RENDEZVOUS);
        assertTrue(
                m.startsWith("train.device = \"cuda\" trains data-parallel over NCCL, but CUDA is not available"), m);
    }

    private static Rendezvous rendezvous(int port, int rank, int world) {
        return new Rendezvous("127.0.0.1", port, rank, world, rank, world, false);
    }

    private static String error(Rendezvous r, Duration timeout) {
        return error(r, "cpu", timeout);
    }

    private static String error(Rendezvous r, String device, Duration timeout) {
        String m = assertThrows(TarflowException.class, () -> World.join(r, device, timeout, COLLECTIVE))
                .getMessage();
        assertEquals(1, m.lines().count(), m);
        return m;
    }

    private static <T> CompletableFuture<T> async(java.util.function.Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, r -> new Thread(r).start());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
