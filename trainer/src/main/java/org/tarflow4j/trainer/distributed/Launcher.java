package org.tarflow4j.trainer.distributed;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.TCPStore;
import org.tarflow4j.core.TarflowException;

/**
 * torchrun's agent for one node: starts this node's {@code --nproc-per-node} workers with torchrun's environment
 * variables, hosts the rendezvous store on node 0 (so it outlives any worker, and the others can still read what a dead
 * rank last did), and supervises them. Rank 0 writes to this process's output; rank {@code r > 0} to
 * {@code rank-<r>.log} in the run directory. When a worker ends badly, the agent writes down how (signal or status)
 * for the survivors to read, gives them a moment to stop on their own, then stops the rest: SIGTERM, and SIGKILL
 * for a process that ignores it. Multi-node: every node runs an agent with the same {@code --nnodes},
 * {@code --master-addr} and {@code --master-port}; a failure on any node stops all of them.
 */
public final class Launcher {
    /**
     * How long rank 0 gets to end on its own (and explain the failure) after another worker ended badly; once rank 0
     * has ended, the rest are stopped at once.
     */
    static final Duration GRACE = Duration.ofSeconds(10);

    /** Between SIGTERM and SIGKILL. */
    static final Duration TERMINATE = Duration.ofSeconds(5);
    /** How long an agent waits for node 0's store. */
    static final Duration CONNECT = Duration.ofMinutes(5);

    private Launcher() {}

    /**
     * torchrun's options.
     *
     * @param masterPort 0 on a single node: a free port
     */
    public record Options(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort) {
        public Options {
            if (nprocPerNode < 1)
                throw new TarflowException("--nproc-per-node " + nprocPerNode + " must be at least 1");
            if (nnodes < 1) throw new TarflowException("--nnodes " + nnodes + " must be at least 1");
            if (nodeRank < 0 || nodeRank >= nnodes)
                throw new TarflowException("--node-rank " + nodeRank + " must be one of 0.." + (nnodes - 1)
                        + " (--nnodes " + nnodes + ")");
            if (masterPort < 0 || masterPort > 65535)
                throw new TarflowException("--master-port " + masterPort + " is not a TCP port");
            if (masterPort == 0 && nnodes > 1)
                throw new TarflowException(
                        "--nnodes " + nnodes + " needs --master-port: the same free port on node 0 for every node");
        }

        public int worldSize() {
            return nprocPerNode * nnodes;
        }
    }

    /**
     * A worker's command line: this JVM's executable and options (module path and class path included) running
     * {@code main} with {@code args}; a JVM crash leaves its log in {@code crashDirectory}.
     */
    public static List<String> javaCommand(Class<?> main, List<String> args, Path crashDirectory) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!option.startsWith("-Djdk.module.main")
                    && !option.startsWith("-agentlib:jdwp")
                    && !option.startsWith("-XX:ErrorFile")) cmd.add(option);
        cmd.add("-XX:ErrorFile=" + crashDirectory.toAbsolutePath().resolve("hs_err_pid%p.log"));
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) cmd.addAll(List.of("-cp", classPath));
        Module module = main.getModule();
        if (module.isNamed()) cmd.addAll(List.of("-m", module.getName() + "/" + main.getName()));
        else cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs this node's workers of {@code command} until they end: 0 when all finished, 1 when the run failed.
     * {@code report} receives the failure in one line, unless rank 0 (which writes to {@code main}) already
     * reported it itself.
     */
    public static int run(
            Options o, List<String> command, MainOutput main, Path logDirectory, Consumer<String> report) {
        if (o.nodeRank() == 0 && o.masterPort() != 0) requireFree(o.masterAddr(), o.masterPort());
        int port = o.masterPort() != 0 ? o.masterPort() : freePort(o.masterAddr());
        try {
            Files.createDirectories(logDirectory);
        } catch (IOException e) {
            throw new TarflowException("cannot create " + logDirectory + ": " + e.getMessage());
        }
        List<Worker> workers = new ArrayList<>();
        TCPStore tcp = null;
        Thread stopAll = new Thread(() -> workers.forEach(w -> w.process.destroyForcibly()));
        Runtime.getRuntime().addShutdownHook(stopAll);
        try {
            // the workers start first and wait for the store, while this process loads libtorch to host it
            for (int local = 0; local < o.nprocPerNode(); local++) {
                int rank = o.nodeRank() * o.nprocPerNode() + local;
                Rendezvous r = new Rendezvous(o.masterAddr(), port, rank, o.worldSize(), local, o.nprocPerNode(), true);
                workers.add(Worker.start(r, command, main, logDirectory));
            }
            tcp = Rendezvous.connect(
                    o.masterAddr(), port, o.nodeRank() == 0, CONNECT, "--master-port", "--master-addr");
            int status = supervise(o, workers, tcp.clone(), logDirectory, report);
            for (Worker w : workers)
                for (Thread t : w.copies) t.join(TERMINATE.toMillis()); // rank 0's last lines, before ours
            return status;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TarflowException("interrupted while supervising the workers");
        } finally {
            for (Worker w : workers) if (w.process.isAlive()) w.process.destroyForcibly();
            Runtime.getRuntime().removeShutdownHook(stopAll);
            Reference.reachabilityFence(tcp); // node 0's store server lives in this object
        }
    }

    /** Node 0 hosts the store on the port it was given: in use, it is an error before any worker starts. */
    private static void requireFree(String addr, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(addr))) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new TarflowException("--master-port " + port + " is already in use on " + addr + " (" + e.getMessage()
                    + "); choose a free port, or leave --master-port out on a single node for a free one");
        }
    }

    /** A port nobody listens on now, for a single node's store. */
    private static int freePort(String addr) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(addr))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new TarflowException("cannot find a free port on " + addr + " for the rendezvous store ("
                    + e.getMessage() + "); give --master-port, or --master-addr of this machine");
        }
    }

    private static int supervise(Options o, List<Worker> workers, Store store, Path logs, Consumer<String> report) {
        Worker root = null;
        String remote = null;
        long failedAt = 0;
        while (true) {
            for (Worker w : workers)
                if (w.ended == null && !w.process.isAlive()) {
                    w.ended = w.process.exitValue();
                    if (w.ended != 0) {
                        String how = w.how(logs);
                        quietly(() -> store.set(World.key("exit", w.rank), how));
                        if (root == null && remote == null) {
                            root = w;
                            failedAt = System.nanoTime();
                            String line = "rank " + w.rank + " on node " + o.nodeRank() + " " + how;
                            quietly(() -> store.compareSet(World.key("agent", "failed"), "", line));
                        }
                    }
                }
            if (workers.stream().allMatch(w -> w.ended != null)) break;
            if (root == null && remote == null) {
                remote = read(store, World.key("agent", "failed"));
                if (remote != null) failedAt = System.nanoTime();
            }
            boolean mainRunning = workers.get(0).rank == 0 && workers.get(0).ended == null;
            if ((root != null || remote != null) && (!mainRunning || System.nanoTime() - failedAt > GRACE.toNanos())) {
                terminate(workers);
                break;
            }
            World.sleep(100);
        }
        if (root == null && remote == null && workers.stream().allMatch(w -> w.ended == 0)) {
            awaitOtherNodes(o, store);
            return 0;
        }
        Worker main = workers.get(0);
        boolean mainSpoke = main.rank == 0 && main.ended != null && main.ended > 0 && main.ended < 128;
        if (!mainSpoke) report.accept(message(root, remote, store, logs));
        return 1;
    }

    private static String message(Worker root, String remote, Store store, Path logs) {
        if (root == null) return "the run stopped because " + (remote == null ? "a worker failed" : remote);
        String explained = read(store, World.key("explained", root.rank));
        if (explained != null) return explained;
        String member = read(store, World.key("member", root.rank));
        String status = read(store, World.key("status", root.rank));
        return "rank " + root.rank + " (pid " + (member != null ? member : root.process.pid()) + ") " + root.how(logs)
                + (status == null ? " before it joined the run" : " while at '" + status + "'");
    }

    /** Node 0 hosts the store: it stays until every node's agent has seen its workers finish. */
    private static void awaitOtherNodes(Options o, Store store) {
        if (o.nnodes() == 1) return;
        quietly(() -> store.add(World.key("agent", "done"), 1));
        if (o.nodeRank() != 0) return;
        try {
            while (store.add(World.key("agent", "done"), 0) < o.nnodes()
                    && read(store, World.key("agent", "failed")) == null) World.sleep(200);
        } catch (RuntimeException e) {
            // a node's store connection failing this late changes nothing for this node's finished workers
        }
    }

    private static void terminate(List<Worker> workers) {
        for (Worker w : workers) if (w.process.isAlive()) w.process.destroy();
        long deadline = System.nanoTime() + TERMINATE.toNanos();
        for (Worker w : workers)
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!w.process.waitFor(left, TimeUnit.NANOSECONDS)) w.process.destroyForcibly();
                w.process.waitFor();
                if (w.ended == null) w.ended = w.process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
    }

    private static String read(Store store, String key) {
        try {
            return store.check(new StringVector(key)) ? store.get_to_str(key) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void quietly(Runnable storeWrite) {
        try {
            storeWrite.run();
        } catch (RuntimeException e) {
            // the store is gone with node 0: the exit codes still tell
        }
    }

    /** One worker process. */
    private static final class Worker {
        final int rank;
        final Process process;
        final List<Thread> copies = new ArrayList<>();
        Integer ended;

        private Worker(int rank, Process process) {
            this.rank = rank;
            this.process = process;
        }

        static Worker start(Rendezvous r, List<String> command, MainOutput main, Path logs) {
            ProcessBuilder b = new ProcessBuilder(command);
            Map<String, String> env = b.environment();
            env.putAll(r.environment());
            env.putIfAbsent(
                    "OMP_NUM_THREADS",
                    Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors() / r.localWorldSize())));
            if (r.rank() == 0) b.redirectOutput(main.redirect()).redirectError(main.redirect());
            else
                b.redirectErrorStream(true)
                        .redirectOutput(
                                Redirect.appendTo(logFile(logs, r.rank()).toFile()));
            try {
                Process p = b.start();
                Worker w = new Worker(r.rank(), p);
                if (r.rank() == 0 && main.redirect() == Redirect.PIPE) {
                    w.copies.add(copy(p.getInputStream(), main.out()));
                    w.copies.add(copy(p.getErrorStream(), main.err()));
                }
                return w;
            } catch (IOException e) {
                throw new TarflowException("cannot start the worker of rank " + r.rank() + ": " + e.getMessage());
            }
        }

        /** How the process ended, e.g. {@code was killed by signal 9 (SIGKILL)}. */
        String how(Path logs) {
            int code = ended;
            if (code > 128) return "was killed by signal " + (code - 128) + signalName(code - 128);
            String error = lastError(logFile(logs, rank));
            return "exited with status " + code + (error == null ? "" : " (" + error + ")")
                    + (rank > 0 ? "; its log is " + logFile(logs, rank) : "");
        }

        private static String signalName(int signal) {
            return switch (signal) {
                case 2 -> " (SIGINT)";
                case 6 -> " (SIGABRT)";
                case 9 -> " (SIGKILL)";
                case 11 -> " (SIGSEGV)";
                case 15 -> " (SIGTERM)";
                default -> "";
            };
        }

        private static String lastError(Path log) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                for (int i = lines.size() - 1; i >= 0; i--)
                    if (lines.get(i).startsWith("error: ") || lines.get(i).startsWith("internal error: "))
                        return lines.get(i);
            } catch (IOException e) {
                // no log (rank 0 writes to the launcher's output)
            }
            return null;
        }
    }

    /**
     * Where rank 0's output goes: appended to a file, or copied as it comes to this process's writers (the command
     * line's own output, so that rank 0 shows its progress bar and results as a single process does).
     */
    public record MainOutput(Redirect redirect, Writer out, Writer err) {
        public static MainOutput appendTo(Path file) {
            return new MainOutput(Redirect.appendTo(file.toFile()), null, null);
        }

        public static MainOutput copyTo(Writer out, Writer err) {
            return new MainOutput(Redirect.PIPE, out, err);
        }
    }

    private static Thread copy(InputStream from, Writer to) {
        Thread t = new Thread(
                () -> {
                    try (Reader in = new InputStreamReader(from, StandardCharsets.UTF_8)) {
                        char[] buffer = new char[4096];
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            to.write(buffer, 0, n);
                            to.flush();
                        }
                    } catch (IOException e) {
                        // the worker's output closed
                    }
                },
                "tarflow-rank0-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** {@code rank-<r>.log} in the run directory. */
    public static Path logFile(Path logs, int rank) {
        return logs.resolve("rank-" + rank + ".log");
    }
}
