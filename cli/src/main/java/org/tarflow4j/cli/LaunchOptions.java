package org.tarflow4j.cli;

import org.tarflow4j.trainer.distributed.Launcher;
import picocli.CommandLine.Option;

/** torchrun's launch options, for commands that can train data-parallel (train, sweep, bench train). */
final class LaunchOptions {
    @Option(
            names = "--nproc-per-node",
            paramLabel = "N",
            description = "Train data-parallel: start N worker processes on this machine and supervise them"
                    + " (torchrun's option; Gloo for train.device = \"cpu\", NCCL and one GPU each for \"cuda\").")
    Integer nprocPerNode;

    @Option(
            names = "--nnodes",
            paramLabel = "N",
            defaultValue = "1",
            description = "Machines taking part, each running this command with its own --node-rank (default: 1).")
    int nnodes;

    @Option(
            names = "--node-rank",
            paramLabel = "R",
            defaultValue = "0",
            description = "This machine's number among --nnodes, from 0 (default: 0).")
    int nodeRank;

    @Option(
            names = "--master-addr",
            paramLabel = "HOST",
            defaultValue = "127.0.0.1",
            description = "Address of node 0, where the rendezvous store runs (default: 127.0.0.1).")
    String masterAddr;

    @Option(
            names = "--master-port",
            paramLabel = "PORT",
            description =
                    "Port of the rendezvous store on node 0 (default: a free port on one node, 29500 on several).")
    Integer masterPort;

    /** Whether the command should start and supervise workers rather than train in this process. */
    boolean requested() {
        return nprocPerNode != null || nnodes > 1;
    }

    Launcher.Options options() {
        int port = masterPort != null ? masterPort : nnodes > 1 ? 29500 : 0;
        return new Launcher.Options(nprocPerNode == null ? 1 : nprocPerNode, nnodes, nodeRank, masterAddr, port);
    }
}
