package org.tarflow4j.trainer.distributed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllgatherOptions;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BackendOptional;
import org.bytedeco.pytorch.BarrierOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.PrefixStore;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TrainConfig;

/**
 * The processes of one data-parallel run and its default process group ({@code init_process_group} in PyTorch): the
 * rendezvous through c10d's {@code TCPStore}, a {@code ProcessGroupGloo} (plus {@code ProcessGroupNCCL} for CUDA
 * tensors) behind c10d's dispatching {@code ProcessGroup}, and the few collectives training needs besides the gradient
 * all-reduce. A single process is a world of size 1, where every collective is the identity and nothing connects.
 *
 * <p>Each rank publishes what it is doing ({@link #status}) and a heartbeat to the store, so that when a collective
 * fails, every survivor can name the rank that died or hangs and what it last did ({@link #failure}).
 */
public final class World implements AutoCloseable {
    private final Rendezvous where;
    private final TCPStore tcp;
    private final Store store;
    private final ProcessGroupGloo gloo;
    private final org.bytedeco.pytorch.Backend nccl;
    private final ProcessGroup group;
    private final Heartbeat heartbeat;
    private final Duration rendezvousTimeout;
    private final Duration collectiveTimeout;
    private final String device;
    private volatile String status = "starting";

    private World(
            Rendezvous where,
            TCPStore tcp,
            Store store,
            ProcessGroupGloo gloo,
            org.bytedeco.pytorch.Backend nccl,
            ProcessGroup group,
            Heartbeat heartbeat,
            Duration rendezvousTimeout,
            Duration collectiveTimeout,
            String device) {
        this.where = where;
        this.tcp = tcp;
        this.store = store;
        this.gloo = gloo;
        this.nccl = nccl;
        this.group = group;
        this.heartbeat = heartbeat;
        this.rendezvousTimeout = rendezvousTimeout;
        this.collectiveTimeout = collectiveTimeout;
        this.device = device;
    }

    /** One process: rank 0 of 1. */
    public static World single() {
        return new World(null, null, null, null, null, null, null, Duration.ZERO, Duration.ZERO, null);
    }

    /**
     * The world torchrun's environment variables describe ({@link Rendezvous#fromEnvironment}), joined with the
     * timeouts and the device of {@code [train]}; a single process when {@code WORLD_SIZE} is unset. (With
     * {@code WORLD_SIZE=1} the process group of one rank is built, as {@code --nproc-per-node 1} does: a check of the
     * backend on a machine with one GPU.)
     */
    public static World fromEnvironment(TrainConfig t) {
        Rendezvous r = Rendezvous.fromEnvironment(System.getenv());
        if (r == null) return single();
        return join(
                r,
                t.runtime().device(),
                Duration.ofMillis(Math.round(t.distributed().rendezvousSeconds() * 1000)),
                Duration.ofMillis(Math.round(t.distributed().collectiveSeconds() * 1000)));
    }

    /**
     * Meets the other ranks at the master, checks that all of them were started alike (world size, one process per
     * rank), and builds the process group: Gloo for CPU tensors, and NCCL for CUDA ones when {@code device} is CUDA.
     */
    public static World join(Rendezvous r, String device, Duration rendezvousTimeout, Duration collectiveTimeout) {
        DistributedBackend backend = DistributedBackend.forDevice(device);
        backend.requireAvailable(device);
        if (device.matches("cuda:\\d+") && r.localWorldSize() > 1)
            throw new TarflowException("train.device = \"" + device + "\" names one GPU, but " + r.localWorldSize()
                    + " processes run on this node; set train.device = \"cuda\" (local rank k trains on cuda:k)");
        if (System.getenv("TORCH_CPP_LOG_LEVEL") != null) torch.initLogging();
        TCPStore tcp = r.connect(rendezvousTimeout);
        Store store = tcp.clone();
        meet(store, r, rendezvousTimeout);
        ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(millis(rendezvousTimeout));
        options.devices().push_back(glooDevice(r.masterAddr()));
        ProcessGroupGloo gloo;
        try {
            gloo = new ProcessGroupGloo(new PrefixStore("gloo/", tcp.clone()), r.rank(), r.worldSize(), options);
        } catch (RuntimeException e) {
            throw new TarflowException("rank " + r.rank() + " could not connect to the other ranks over Gloo: "
                    + RankFailure.clean(e)
                    + " (set GLOO_SOCKET_IFNAME to the network interface the ranks reach each other on)");
        }
        gloo.setTimeout(millis(collectiveTimeout));
        ProcessGroup group = new ProcessGroup(tcp.clone(), r.rank(), r.worldSize());
        group.setBackend(torch.DeviceType.CPU, ProcessGroup.BackendType.GLOO, new BackendOptional(gloo));
        org.bytedeco.pytorch.Backend nccl = null;
        String local = device;
        if (backend == DistributedBackend.NCCL) {
            local = "cuda:" + r.localRank();
            nccl = Nccl.create(new PrefixStore("nccl/", tcp.clone()), r.rank(), r.worldSize());
            nccl.setTimeout(millis(collectiveTimeout));
            group.setBackend(torch.DeviceType.CUDA, ProcessGroup.BackendType.NCCL, new BackendOptional(nccl));
            group.setDefaultBackend(ProcessGroup.BackendType.NCCL);
        } else {
            group.setDefaultBackend(ProcessGroup.BackendType.GLOO);
        }
        Heartbeat heartbeat = new Heartbeat(tcp.clone(), key("beat", r.rank()));
        World w = new World(r, tcp, store, gloo, nccl, group, heartbeat, rendezvousTimeout, collectiveTimeout, local);
        w.status("joined");
        return w;
    }

    public int rank() {
        return where == null ? 0 : where.rank();
    }

    public int size() {
        return where == null ? 1 : where.worldSize();
    }

    public int localRank() {
        return where == null ? 0 : where.localRank();
    }

    /** Processes of this run on this machine. */
    public int localSize() {
        return where == null ? 1 : where.localWorldSize();
    }

    /** Rank 0, which alone writes the run's files and shows progress. */
    public boolean isMain() {
        return rank() == 0;
    }

    /**
     * The device this rank trains on: {@code configured} in a single process; {@code cuda:<local rank>} for a CUDA
     * run of several processes (one GPU per local rank).
     */
    public String device(String configured) {
        return device == null ? configured : device;
    }

    public Duration collectiveTimeout() {
        return collectiveTimeout;
    }

    /** The rendezvous this rank joined, or null for a single process. */
    public Rendezvous rendezvous() {
        return where;
    }

    /** c10d's dispatching process group, for the gradient reducer; null for a single process. */
    ProcessGroup group() {
        return group;
    }

    /** Publishes what this rank is doing now, e.g. {@code step 7: forward and backward} (a store write; none alone). */
    public void status(String what) {
        status = what;
        if (store != null) store.set(key("status", rank()), what);
    }

    /** What this rank last said it was doing. */
    public String status() {
        return status;
    }

    /** The mean over ranks of a value every rank has (a float64 all-reduce); NaN or infinite anywhere spreads. */
    public double mean(double value) {
        if (group == null) return value;
        double[] v = {value};
        sum(v);
        return v[0] / size();
    }

    /**
     * Sums {@code values} element-wise over the ranks, in place (one float64 all-reduce). An element only one rank
     * contributes to (the others give 0) comes back bit for bit.
     */
    public void sum(double[] values) {
        if (group == null || values.length == 0) return;
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Placement.CPU.doubles(values); // on the CPU on purpose: Gloo carries the ranks' numbers
            group.allreduce(new TensorVector(t), new AllreduceOptions())._wait();
            t.data_ptr_double().get(values);
        }
    }

    /** Sums a tensor over the ranks in place, in its dtype (one all-reduce, as the gradient buckets are reduced). */
    public void allReduce(Tensor t) {
        if (group == null) return;
        try (PointerScope scope = new PointerScope()) {
            group.allreduce(new TensorVector(t), new AllreduceOptions())._wait();
        }
    }

    /** Waits until every rank got here. */
    public void barrier() {
        if (group == null) return;
        try (PointerScope scope = new PointerScope()) {
            group.barrier(new BarrierOptions())._wait();
        }
    }

    /** Every rank's {@code value}, by rank (an all-gather). */
    public long[] gather(long value) {
        if (group == null) return new long[] {value};
        try (PointerScope scope = new PointerScope()) {
            Tensor in = Placement.CPU.longs(new long[] {value}); // through Gloo, like sum
            Tensor out = Placement.CPU.longs(new long[size()]);
            group._allgather_base(out, in, new AllgatherOptions())._wait();
            long[] all = new long[size()];
            out.data_ptr_long().get(all);
            return all;
        }
    }

    /** Overwrites {@code tensors} with rank 0's (a broadcast per tensor, into their storage). */
    public void broadcastFromMain(List<Tensor> tensors) {
        if (group == null) return;
        try (PointerScope scope = new PointerScope()) {
            for (Tensor t : tensors)
                group.broadcast(new TensorVector(t.detach()), new BroadcastOptions().rootRank(0))
                        ._wait();
        }
    }

    /**
     * A 64-bit digest of the tensors' values (SHA-256 of their bytes, in order), for checking that ranks hold the same
     * parameters.
     */
    public static long digest(List<Tensor> tensors) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (PointerScope scope = new PointerScope()) {
            for (Tensor t : tensors) {
                Tensor c = Placement.CPU.put(t.detach()).contiguous();
                ByteBuffer bytes =
                        new BytePointer(c.data_ptr()).capacity(c.nbytes()).asByteBuffer();
                sha.update(bytes);
            }
        }
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    /**
     * Rank 0's value of {@code name}, computed by {@code value} on rank 0 alone and handed to the others through the
     * store (e.g. the name of a new run directory).
     */
    public String fromMain(String name, Supplier<String> value) {
        if (store == null) return value.get();
        String k = key("main", name);
        if (isMain()) {
            String v = value.get();
            store.set(k, v);
            return v;
        }
        waitFor(List.of(k), rendezvousTimeout, "rank 0 to publish " + name);
        return store.get_to_str(k);
    }

    /**
     * Every rank must run the same resolved configuration: rank 0 publishes its SHA-256 and text, every rank compares,
     * and a mismatch is an error on every rank naming the keys that differ.
     */
    public void requireSameConfig(String resolvedToml) {
        if (store != null) ConfigAgreement.require(this, resolvedToml);
    }

    /**
     * Turns a failed collective into one line naming the rank that died or hangs and what it last did (see
     * {@link RankFailure}); any other exception is returned as it is.
     */
    public RuntimeException failure(RuntimeException e) {
        if (store == null || !RankFailure.isCollectiveFailure(e)) return e;
        String explanation = RankFailure.explain(this, e);
        try {
            store.set(key("explained", rank()), explanation); // for the launcher, if this rank's output is a log
        } catch (RuntimeException storeGone) {
            // the explanation says so already
        }
        return new TarflowException(explanation, e);
    }

    /**
     * Leaves a run that finished: the host of the store waits (at most the rendezvous timeout) until every rank is
     * done with it, so that none of them loses the store on its way out. Then {@link #close}.
     */
    public void finish() {
        if (store == null) return;
        try {
            store.add(key("closed"), 1);
            if (where.hostsStore()) waitForCount(key("closed"), size(), rendezvousTimeout);
        } catch (RuntimeException e) {
            // leaving anyway: the run's work is done
        }
        close();
    }

    /** Stops the heartbeat. A run that failed leaves at once: the others learn it from their own collectives. */
    @Override
    public void close() {
        if (heartbeat != null) heartbeat.close();
    }

    Store store() {
        return store;
    }

    Duration rendezvousTimeout() {
        return rendezvousTimeout;
    }

    /** The store key {@code tarflow/<parts joined by '/'>}; agents and ranks agree on these. */
    static String key(Object... parts) {
        StringBuilder b = new StringBuilder("tarflow");
        for (Object p : parts) b.append('/').append(p);
        return b.toString();
    }

    /** Waits until all {@code keys} exist; the error names the ones that did not appear. */
    void waitFor(List<String> keys, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> missing = new ArrayList<>();
            for (String k : keys) if (!store.check(new StringVector(k))) missing.add(k);
            if (missing.isEmpty()) return;
            if (System.nanoTime() > deadline)
                throw new TarflowException("rank " + rank() + " waited " + Rendezvous.seconds(timeout) + " for " + what
                        + " in vain (missing " + missing + "); the other ranks did not get there:"
                        + " see their logs, or raise train.rendezvous_timeout");
            sleep(50);
        }
    }

    /** Waits (at most {@code timeout}) until the counter {@code key} reaches {@code count}. */
    void waitForCount(String key, long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (store.add(key, 0) < count && System.nanoTime() < deadline) sleep(50);
    }

    /**
     * Joins the count of ranks at the store: every rank must have been started with the same {@code WORLD_SIZE}, each
     * rank number by one process, and all of them must arrive within the timeout (the error names who did not).
     */
    private static void meet(Store store, Rendezvous r, Duration timeout) {
        String mine = Integer.toString(r.worldSize());
        String agreed = store.compareSet(key("world_size"), "", mine);
        if (!agreed.equals(mine))
            throw new TarflowException("rank " + r.rank() + " was started with WORLD_SIZE=" + mine + ", but the ranks"
                    + " that met at " + r.master() + " before it with WORLD_SIZE=" + agreed
                    + "; start every rank with the same WORLD_SIZE");
        if (store.add(key("rank", r.rank()), 1) > 1)
            throw new TarflowException("two processes joined " + r.master() + " as rank " + r.rank() + " (RANK="
                    + r.rank() + "); give every process its own RANK in 0.." + (r.worldSize() - 1));
        store.set(key("member", r.rank()), ProcessHandle.current().pid() + " on " + hostName());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Integer> missing = new ArrayList<>();
            for (int k = 0; k < r.worldSize(); k++)
                if (!store.check(new StringVector(key("member", k)))) missing.add(k);
            if (missing.isEmpty()) return;
            if (System.nanoTime() > deadline)
                throw new TarflowException((missing.size() == 1 ? "rank " : "ranks ")
                        + missing.toString().replaceAll("[\\[\\]]", "") + " of WORLD_SIZE=" + r.worldSize()
                        + " did not join the rendezvous at " + r.master() + " within " + Rendezvous.seconds(timeout)
                        + "; start every rank with the same MASTER_ADDR and MASTER_PORT, check WORLD_SIZE,"
                        + " or raise train.rendezvous_timeout");
            sleep(50);
        }
    }

    /**
     * The network device Gloo binds: the interface {@code GLOO_SOCKET_IFNAME} names (libtorch's C++ does not read it
     * itself), loopback when the master is this machine's loopback, else the address of this host's name.
     */
    private static org.bytedeco.pytorch.gloo.Device glooDevice(String masterAddr) {
        String iface = System.getenv("GLOO_SOCKET_IFNAME");
        try {
            if (iface != null && !iface.isBlank())
                return ProcessGroupGloo.createDeviceForInterface(iface.split(",")[0].strip());
            if (loopback(masterAddr)) return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
            return ProcessGroupGloo.createDefaultDevice();
        } catch (RuntimeException e) {
            throw new TarflowException("Gloo cannot bind a network device (" + RankFailure.clean(e)
                    + "); set GLOO_SOCKET_IFNAME to the interface the ranks reach each other on");
        }
    }

    private static boolean loopback(String addr) {
        try {
            return InetAddress.getByName(addr).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown host";
        }
    }

    /** Kept apart so that nothing touches the NCCL classes (absent natives in the CPU build) unless NCCL is chosen. */
    private static final class Nccl {
        static org.bytedeco.pytorch.Backend create(Store store, int rank, int size) {
            return new org.bytedeco.pytorch.nccl.ProcessGroupNCCL(store, rank, size);
        }
    }

    static Milliseconds millis(Duration d) {
        return new Milliseconds(d.toMillis());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TarflowException("interrupted while waiting for the other ranks");
        }
    }
}
