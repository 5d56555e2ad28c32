package org.tarflow4j.trainer.distributed;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;

/**
 * Why a collective failed, in one line: which rank died or hangs, and what it last did. A failed Gloo collective only
 * says "Connection reset by peer" or "Timed out waiting …"; the rendezvous store, whose connections are separate,
 * still answers and tells the rest: each rank's last status, whether its heartbeat still moves, and, under the
 * launcher, how its process ended (the agent writes that down as soon as it sees it).
 */
final class RankFailure {
    /** How long a survivor watches the heartbeats before naming the ranks whose counters stood still. */
    static final long WATCH_MILLIS = 4 * Heartbeat.PERIOD_MILLIS;

    private static final List<String> COLLECTIVE_ERRORS = List.of(
            "Connection reset by peer",
            "Connection closed by peer",
            "Timed out waiting",
            "Application timeout caused pair closure",
            "Failed to recv",
            "Broken pipe",
            "Socket Timeout",
            "Connection refused",
            "wait timeout after",
            "/gloo/");

    private RankFailure() {}

    /** A peer's death or silence as a collective reports it (not a user error, not a bug of ours). */
    static boolean isCollectiveFailure(Throwable e) {
        if (e instanceof org.tarflow4j.core.TarflowException) return false;
        String m = String.valueOf(e.getMessage());
        int cut = m.indexOf("\nException raised from");
        String head = cut >= 0 ? m.substring(0, cut) : m;
        return COLLECTIVE_ERRORS.stream().anyMatch(head::contains);
    }

    /** The first line of a c10d error, without libtorch's backtrace and the source location Gloo puts in front. */
    static String clean(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int cut = m.indexOf("\nException raised from");
        if (cut >= 0) m = m.substring(0, cut);
        m = m.strip().lines().findFirst().orElse("").strip();
        return m.replaceFirst("^\\[(enforce fail at )?[^\\]]*\\.(cc|cpp|h|hpp):\\d+\\]\\s*", "");
    }

    /**
     * The explanation this rank gives after a collective failed with {@code e}: the ranks that ended (as the launcher
     * saw them), else those whose heartbeat stood still for {@link #WATCH_MILLIS}, else those doing something else than
     * this rank (alive, but not at the collective within the timeout), each with its last status.
     */
    static String explain(World w, RuntimeException e) {
        String seen = clean(e);
        int me = w.rank();
        Store store = w.store();
        try {
            store.set(World.key("failed", me), seen);
            long[] before = beats(store, w.size());
            long until = System.nanoTime() + WATCH_MILLIS * 1_000_000;
            List<Integer> ended = ended(store, w.size(), me);
            while (ended.isEmpty() && System.nanoTime() < until) {
                World.sleep(100);
                ended = ended(store, w.size(), me);
            }
            long[] after = beats(store, w.size());
            List<String> culprits = new ArrayList<>();
            for (int r : ended) culprits.add(describe(store, r, read(store, World.key("exit", r))));
            if (culprits.isEmpty())
                for (int r = 0; r < w.size(); r++)
                    if (r != me && after[r] == before[r] && !has(store, World.key("failed", r)))
                        culprits.add(describe(
                                store,
                                r,
                                "stopped responding (no heartbeat in " + WATCH_MILLIS / 1000.0
                                        + " s: it died, or its process hangs)"));
            if (culprits.isEmpty())
                for (int r = 0; r < w.size(); r++)
                    if (r != me
                            && !has(store, World.key("failed", r))
                            && !w.status().equals(read(store, World.key("status", r))))
                        culprits.add(describe(
                                store,
                                r,
                                "is alive but did not reach the collective within train.collective_timeout = "
                                        + Rendezvous.seconds(w.collectiveTimeout())));
            if (culprits.isEmpty())
                return "a collective failed on rank " + me + " at '" + w.status() + "' with every rank alive (" + seen
                        + "); check the network between the ranks, or raise train.collective_timeout";
            return String.join("; ", culprits) + "; rank " + me + " saw: " + seen;
        } catch (RuntimeException storeGone) {
            Rendezvous r = w.rendezvous();
            return "the rendezvous store at " + r.master() + " stopped answering, so "
                    + (r.agentStore() ? "the launcher's agent on node 0" : "rank 0, which hosts it,")
                    + " died or its machine is down (rank " + me + " was at '" + w.status() + "' and saw: " + seen
                    + ")";
        }
    }

    /** Ranks other than {@code me} whose process the launcher saw end, without having reported a failure themselves. */
    private static List<Integer> ended(Store store, int size, int me) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < size; r++)
            if (r != me && has(store, World.key("exit", r)) && !has(store, World.key("failed", r))) out.add(r);
        return out;
    }

    private static String describe(Store store, int rank, String how) {
        String member = read(store, World.key("member", rank));
        String status = read(store, World.key("status", rank));
        return "rank " + rank + (member.isEmpty() ? "" : " (pid " + member + ")") + " " + how
                + (status.isEmpty() ? " before it joined" : " while at '" + status + "'");
    }

    private static long[] beats(Store store, int size) {
        long[] out = new long[size];
        for (int r = 0; r < size; r++) out[r] = store.add(World.key("beat", r), 0);
        return out;
    }

    static boolean has(Store store, String key) {
        return store.check(new StringVector(key));
    }

    static String read(Store store, String key) {
        return has(store, key) ? store.get_to_str(key) : "";
    }
}
