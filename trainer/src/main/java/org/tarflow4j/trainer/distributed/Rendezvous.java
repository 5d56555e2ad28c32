package org.tarflow4j.trainer.distributed;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.tarflow4j.core.TarflowException;

/**
 * Where and as whom a process meets the others of a data-parallel run, in torchrun's environment variables:
 * {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}. The meeting point is c10d's {@code TCPStore} at the master's address: hosted by rank 0, or by
 * the launcher's agent when it started the workers ({@code TARFLOW_AGENT_STORE=1}, like torchrun's agent store), so
 * that the store outlives any one worker.
 *
 * @param agentStore the store is hosted by the launcher, not by rank 0
 */
public record Rendezvous(
        String masterAddr,
        int masterPort,
        int rank,
        int worldSize,
        int localRank,
        int localWorldSize,
        boolean agentStore) {
    public static final String AGENT_STORE = "TARFLOW_AGENT_STORE";

    public Rendezvous {
        if (worldSize < 1) throw invalid("WORLD_SIZE=" + worldSize + " is not a positive number of processes");
        if (rank < 0 || rank >= worldSize)
            throw invalid("RANK=" + rank + " is not one of 0.." + (worldSize - 1) + " (WORLD_SIZE=" + worldSize
                    + "); ranks count from 0");
        if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize)
            throw invalid("LOCAL_RANK=" + localRank + " is not one of 0.." + (localWorldSize - 1)
                    + " (LOCAL_WORLD_SIZE=" + localWorldSize + ")");
        if (masterPort < 1 || masterPort > 65535) throw invalid("MASTER_PORT=" + masterPort + " is not a TCP port");
    }

    /**
     * The rendezvous the environment describes, or null when {@code WORLD_SIZE} is unset (a single process). Every
     * variable must then be a valid number; {@code LOCAL_RANK} and {@code LOCAL_WORLD_SIZE} default to the global ones
     * (one process per node), {@code MASTER_ADDR} to {@code 127.0.0.1}.
     */
    public static Rendezvous fromEnvironment(Map<String, String> env) {
        if (env.get("WORLD_SIZE") == null) return null;
        int world = number(env, "WORLD_SIZE", null);
        int rank = number(env, "RANK", null);
        int localRank = number(env, "LOCAL_RANK", rank);
        int localWorld = number(env, "LOCAL_WORLD_SIZE", localRank == rank ? world : localRank + 1);
        String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
        if (addr.isBlank()) throw invalid("MASTER_ADDR is empty; set it to the host name or address of rank 0");
        if (env.get("MASTER_PORT") == null)
            throw invalid("MASTER_PORT is not set; set it to a free TCP port on the master (" + addr + "), the same for"
                    + " every rank");
        return new Rendezvous(
                addr,
                number(env, "MASTER_PORT", null),
                rank,
                world,
                localRank,
                localWorld,
                "1".equals(env.get(AGENT_STORE)));
    }

    /** The variables a worker of this rendezvous is started with. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RANK", Integer.toString(rank));
        env.put("WORLD_SIZE", Integer.toString(worldSize));
        env.put("LOCAL_RANK", Integer.toString(localRank));
        env.put("LOCAL_WORLD_SIZE", Integer.toString(localWorldSize));
        env.put("MASTER_ADDR", masterAddr);
        env.put("MASTER_PORT", Integer.toString(masterPort));
        if (agentStore) env.put(AGENT_STORE, "1");
        return env;
    }

    /** Rank 0 hosts the store unless the launcher's agent does. */
    public boolean hostsStore() {
        return rank == 0 && !agentStore;
    }

    public String master() {
        return masterAddr + ":" + masterPort;
    }

    /**
     * Connects to the store at the master (or starts it, as its host), waiting at most {@code timeout} for the master;
     * a port in use or an unreachable master is a one-line error naming both.
     */
    public TCPStore connect(Duration timeout) {
        return connect(masterAddr, masterPort, hostsStore(), timeout, "MASTER_PORT", "MASTER_ADDR");
    }

    /**
     * A {@code TCPStore} server (port 0: a free one) or client, without waiting for workers: joining is counted with
     * keys, so that a missing rank can be named.
     */
    static TCPStore connect(String addr, int port, boolean server, Duration timeout, String portName, String addrName) {
        TCPStoreOptions o = new TCPStoreOptions();
        o.port((short) port); // uint16 in a Java short: the bits are right for ports above 32767
        o.isServer(server);
        o.numWorkers(new SizeTPointer(1).put(1));
        o.waitWorkers(false);
        o.timeout(new Milliseconds(timeout.toMillis()));
        try {
            return new TCPStore(addr, o);
        } catch (RuntimeException e) {
            String m = RankFailure.clean(e);
            if (m.contains("EADDRINUSE") || m.contains("address already in use"))
                throw new TarflowException(portName + " " + port + " is already in use on this machine (" + m
                        + "); choose a free port for the rendezvous");
            if (server)
                throw new TarflowException(
                        "cannot start the rendezvous store on " + addr + ":" + port + ": " + m + "; check " + addrName);
            throw new TarflowException("cannot reach the rendezvous store at " + addr + ":" + port + " within "
                    + seconds(timeout) + " (" + m + "); check " + addrName + " and " + portName
                    + ", and that rank 0 (or the launcher on node 0) is running");
        }
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format("%.1f s", d.toMillis() / 1e3);
    }

    private static int number(Map<String, String> env, String name, Integer fallback) {
        String v = env.get(name);
        if (v == null) {
            if (fallback != null) return fallback;
            throw invalid(name + " is not set, but WORLD_SIZE is; a data-parallel worker needs RANK, WORLD_SIZE,"
                    + " MASTER_ADDR and MASTER_PORT");
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw invalid(name + "=\"" + v + "\" is not a whole number");
        }
    }

    private static TarflowException invalid(String what) {
        return new TarflowException("data-parallel environment: " + what);
    }
}
