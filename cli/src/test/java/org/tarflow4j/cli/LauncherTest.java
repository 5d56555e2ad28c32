package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher builds the variant asked for ({@code TARFLOW_GPU=1}: the GPU build, {@code mvn -Pgpu}; {@code 0}: the
 * CPU build), keeps the variant built last when not asked (also when sources changed and it rebuilds), and runs the
 * natives of the variant it built. Run on a copy of the launcher in a fake checkout, with {@code mvn} and {@code java}
 * replaced by scripts that record how they were called.
 */
class LauncherTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));
    private static final String CPU_PATH = "/m2/pytorch-2.10.0-1.5.13-linux-x86_64.jar";
    private static final String GPU_PATH = "/m2/pytorch-2.10.0-1.5.13-linux-x86_64-gpu.jar:/m2/cuda-linux-x86_64.jar";

    record Run(int status, String mvn, String java, String err) {}

    private static Path checkout(Path dir, String builtPath) throws IOException {
        Path root = dir.resolve("checkout");
        Files.createDirectories(root.resolve("cli/target"));
        Files.createDirectories(root.resolve("api/src/main/java"));
        Files.copy(ROOT.resolve("tarflow"), root.resolve("tarflow"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Files.writeString(root.resolve("api/src/main/java/A.java"), "class A {}");
        Files.writeString(root.resolve("cli/target/tarflow4j-cli-0.1.0.jar"), "");
        if (builtPath != null) {
            Files.writeString(root.resolve("cli/target/modulepath.txt"), builtPath);
            Path stamp = root.resolve("cli/target/.tarflow-built");
            Files.writeString(stamp, "");
            Instant old = Instant.now().minusSeconds(3600);
            for (Path p :
                    List.of(root.resolve("pom.xml"), root.resolve("api/src/main/java/A.java"), root.resolve("tarflow")))
                Files.setLastModifiedTime(p, FileTime.from(old));
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        // mvn records its arguments and writes the module path of the variant it was asked for.
        script(
                bin.resolve("mvn"),
                "echo \"$*\" >> \"" + dir.resolve("mvn.log") + "\"\n" + "case \" $* \" in *' -Pgpu '*) echo '"
                        + GPU_PATH + "' > cli/target/modulepath.txt ;; *) echo '" + CPU_PATH
                        + "' > cli/target/modulepath.txt ;; esac\n");
        script(bin.resolve("java"), "echo \"$*\" > \"" + dir.resolve("java.log") + "\"\n");
        return root;
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Run launch(Path dir, Path root, String gpu) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("tarflow").toString(), "plugins");
        Map<String, String> env = pb.environment();
        env.put("PATH", dir.resolve("bin") + ":" + env.get("PATH"));
        env.remove("TARFLOW_GPU");
        if (gpu != null) env.put("TARFLOW_GPU", gpu);
        Path err = dir.resolve("err.log");
        pb.redirectError(err.toFile()).redirectOutput(dir.resolve("out.log").toFile());
        int status = pb.start().waitFor();
        String mvn = read(dir.resolve("mvn.log"));
        String java = read(dir.resolve("java.log"));
        Files.deleteIfExists(dir.resolve("mvn.log"));
        Files.deleteIfExists(dir.resolve("java.log"));
        return new Run(status, mvn, java, read(err));
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static void touchSource(Path root) throws IOException {
        Files.setLastModifiedTime(
                root.resolve("api/src/main/java/A.java"),
                FileTime.from(Instant.now().plusSeconds(60)));
    }

    @Test
    void aFreshCheckoutBuildsTheCpuVariantUnlessAskedForTheGpu(@TempDir Path dir) throws Exception {
        Path root = checkout(dir, null);
        Run r = launch(dir, root, null);
        assertEquals(0, r.status(), r.err());
        assertFalse(r.mvn().contains("-Pgpu"), r.mvn());
        assertTrue(r.mvn().contains("package"));
        assertTrue(r.java().contains("--add-modules org.bytedeco.pytorch.linux.x86_64,"), r.java());
        assertTrue(r.err().contains("building the cpu variant"), r.err());

        r = launch(dir, root, "1");
        assertTrue(r.mvn().contains("-Pgpu"), "TARFLOW_GPU=1 rebuilds with the gpu profile: " + r.mvn());
        assertTrue(
                r.java().contains("org.bytedeco.pytorch.linux.x86_64.gpu")
                        && r.java().contains("org.bytedeco.cuda.linux.x86_64"),
                r.java());
    }

    /** A GPU build is kept: not rebuilt when nothing changed, rebuilt as the GPU build when a source did. */
    @Test
    void theGpuBuildIsKeptWhenNotAskedOtherwise(@TempDir Path dir) throws Exception {
        Path root = checkout(dir, GPU_PATH);
        Run r = launch(dir, root, null);
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.mvn(), "nothing changed: no build");
        assertTrue(r.java().contains("org.bytedeco.pytorch.linux.x86_64.gpu"), r.java());

        touchSource(root);
        r = launch(dir, root, null);
        assertTrue(r.mvn().contains("-Pgpu"), "a changed source rebuilds the variant built last: " + r.mvn());
        assertTrue(r.java().contains("org.bytedeco.pytorch.linux.x86_64.gpu"), r.java());

        r = launch(dir, root, "0");
        assertFalse(r.mvn().isEmpty(), "TARFLOW_GPU=0 rebuilds the CPU variant");
        assertFalse(r.mvn().contains("-Pgpu"), r.mvn());
        assertFalse(r.java().contains(".gpu"), r.java());
    }

    @Test
    void aCpuBuildIsNotRebuiltWithoutReason(@TempDir Path dir) throws Exception {
        Path root = checkout(dir, CPU_PATH);
        Run r = launch(dir, root, "0");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.mvn());
        assertTrue(r.java().contains("-m org.tarflow4j.cli/org.tarflow4j.cli.Main plugins"), r.java());
    }

    @Test
    void anUnknownVariantIsOneLine(@TempDir Path dir) throws Exception {
        Path root = checkout(dir, CPU_PATH);
        Run r = launch(dir, root, "maybe");
        assertEquals(2, r.status());
        assertEquals(
                "tarflow: TARFLOW_GPU is 'maybe'; set it to 1 for the GPU build or 0 for the CPU build",
                r.err().strip());
    }
}
