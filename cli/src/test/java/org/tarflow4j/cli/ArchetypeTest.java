package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.ApiVersion;

/**
 * The coupling archetype as a plugin author uses it, end to end: generate a project from it, build it with Maven (its
 * conformance tests run), drop the jar into a plugins folder, and train 5 steps with the coupling through the
 * command line, then evaluate the checkpoint with the plugin and without it.
 *
 * <p>The child Maven builds see this build's artifacts (parent pom, api, testkit, archetype; copied into
 * {@code target/host-artifacts} by the cli's pom) through a temporary file repository, and everything else through a
 * mirror onto the user's local repository, read as a file repository. Their own local repository is temporary, so
 * nothing is written to the user's {@code ~/.m2} (no stale tarflow4j artifacts for other builds to pick up) and no
 * network is needed once the reactor's own build has cached its plugins. Skipped, saying why, only when {@code mvn} is
 * not on the PATH. Takes about a minute.
 */
class ArchetypeTest {
    private static final String GROUP = "org.tarflow4j";
    private static final String ARCHETYPE = "tarflow4j-coupling-archetype";
    private static final String COUPLING = "generated-affine";
    private static final String ARTIFACT = "coupling-generated";
    private static final String PACKAGE = "org.example.generated";
    private static final long CHILD_TIMEOUT_MINUTES = 10;

    /** Two layers of the generated coupling, tiny, 5 steps. */
    private static final String CONFIG = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "%1$s"
            [[flow]]
            coupling = "%1$s"
            [couplings.%1$s]
            scale_bound = 2.0
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [train]
            steps = 5
            batch = 4
            eval_every = 0
            checkpoint_every = 5
            [eval]
            batch = 8
            max_batches = 2
            """.formatted(COUPLING);

    record Run(int status, String out, String err) {}

    @Test
    void aGeneratedCouplingBuildsPassesTheHarnessAndTrainsAsAPlugin(@TempDir Path dir) throws Exception {
        Optional<Path> mvn = onPath("mvn");
        if (mvn.isEmpty()) {
            String reason = "ArchetypeTest skipped: mvn is not on the PATH, so no project can be generated and built";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        String version = System.getProperty("tarflow.version");
        Path settings = settings(dir, hostRepository(dir.resolve("host-repository"), version));

        Path projects = Files.createDirectories(dir.resolve("projects"));
        maven(
                mvn.get(),
                projects,
                dir.resolve("generate.log"),
                "-s",
                settings.toString(),
                "org.apache.maven.plugins:maven-archetype-plugin:"
                        + System.getProperty("tarflow.archetypePluginVersion") + ":generate",
                "-DarchetypeGroupId=" + GROUP,
                "-DarchetypeArtifactId=" + ARCHETYPE,
                "-DarchetypeVersion=" + version,
                "-DgroupId=org.example",
                "-DartifactId=" + ARTIFACT,
                "-Dpackage=" + PACKAGE,
                "-DcouplingName=" + COUPLING);
        Path project = projects.resolve(ARTIFACT);
        String source = "src/main/java/" + PACKAGE.replace('.', '/') + "/";
        String tests = "src/test/java/" + PACKAGE.replace('.', '/') + "/";
        for (String file : List.of(
                "pom.xml",
                "README.md",
                ".gitignore",
                "src/main/java/module-info.java",
                source + "BoundedAffineCoupling.java",
                source + "BoundedAffineCouplingProvider.java",
                tests + "BoundedAffineConformanceTest.java"))
            assertTrue(Files.isRegularFile(project.resolve(file)), "the generated project has " + file);
        String readme = Files.readString(project.resolve("README.md"));
        assertTrue(
                readme.contains("`" + version + "`") && readme.contains("`" + ApiVersion.CURRENT + "`"),
                "the README states the artifact version " + version + " and the API version " + ApiVersion.CURRENT);
        assertTrue(
                Files.readString(project.resolve("src/main/java/module-info.java"))
                        .contains("provides org.tarflow4j.api.CouplingProvider with"),
                "module-info.java provides the coupling");

        maven(mvn.get(), project, dir.resolve("build.log"), "-s", settings.toString(), "package");
        int harnessTests = testsRun(
                project.resolve("target/surefire-reports/TEST-" + PACKAGE + ".BoundedAffineConformanceTest.xml"));
        assertTrue(harnessTests >= 40, "surefire ran the conformance harness: " + harnessTests + " tests");

        Path jar = project.resolve("target/" + ARTIFACT + "-0.1.0.jar");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path installed = Files.copy(jar, plugins.resolve(jar.getFileName()));

        Run listed = tarflow("plugins", "--plugins", plugins.toString());
        assertEquals(0, listed.status(), listed.err());
        assertTrue(
                listed.out()
                        .lines()
                        .anyMatch(l -> l.matches("coupling\\s+" + COUPLING + "\\s+-\\s+0\\.1\\.0\\s+\\^1\\.0\\s+"
                                + Pattern.quote(installed.toString()) + "\\s+.+")),
                listed.out());

        Path config = Files.writeString(dir.resolve("generated.toml"), CONFIG);
        Path run = dir.resolve("run");
        Run trained = tarflow("train", config.toString(), "--plugins", plugins.toString(), "--run-dir", run.toString());
        assertEquals(0, trained.status(), trained.err() + trained.out());
        assertTrue(Files.isRegularFile(run.resolve("last.ckpt")), "a checkpoint was written");
        String metrics = Files.readString(run.resolve("metrics.jsonl")).replaceAll("\\s", "");
        assertTrue(metrics.contains("\"step\":5"), "5 steps were logged: " + metrics);

        Run evaluated = tarflow("eval", run.toString(), "--plugins", plugins.toString(), "--split", "valid");
        assertEquals(0, evaluated.status(), evaluated.err());
        Path none = Files.createDirectories(dir.resolve("no-plugins"));
        Run refused = tarflow("eval", run.toString(), "--plugins", none.toString(), "--split", "valid");
        assertEquals(Main.USER_ERROR, refused.status(), refused.out());
        assertTrue(refused.err().contains("'" + COUPLING + "'"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
    }

    /**
     * A Maven 2 layout repository holding this build's parent pom, api, testkit and archetype, with SHA-1 checksums, as
     * {@code mvn install} would leave them.
     */
    private static Path hostRepository(Path repository, String version) throws IOException {
        Path artifacts = Path.of(System.getProperty("tarflow.hostArtifacts"));
        record Artifact(String id, String extension) {}
        List<Artifact> all = List.of(
                new Artifact("tarflow4j", "pom"),
                new Artifact("tarflow4j-api", "pom"),
                new Artifact("tarflow4j-api", "jar"),
                new Artifact("tarflow4j-testkit", "pom"),
                new Artifact("tarflow4j-testkit", "jar"),
                new Artifact(ARCHETYPE, "pom"),
                new Artifact(ARCHETYPE, "jar"));
        for (Artifact a : all) {
            String name = a.id() + "-" + version + "." + a.extension();
            Path from = artifacts.resolve(name);
            assertTrue(Files.isRegularFile(from), from + " was copied by the cli's build (mvn package or later)");
            Path to =
                    repository.resolve(GROUP.replace('.', '/')).resolve(a.id()).resolve(version);
            Files.createDirectories(to);
            Files.copy(from, to.resolve(name));
            Files.writeString(to.resolve(name + ".sha1"), sha1(from), StandardCharsets.US_ASCII);
        }
        return repository;
    }

    /**
     * Settings for the child builds: a temporary local repository; the host repository; and every other repository
     * mirrored onto the user's local repository, read as a file repository (never written).
     */
    private static Path settings(Path dir, Path host) throws IOException {
        Path userRepository = Path.of(System.getProperty("tarflow.localRepository"));
        String repository = """
                    <repository>
                      <id>tarflow-host</id>
                      <url>%s</url>
                      <releases><checksumPolicy>fail</checksumPolicy></releases>
                      <snapshots><enabled>false</enabled></snapshots>
                    </repository>
                """.formatted(host.toUri());
        String xml = """
                <settings>
                  <localRepository>%s</localRepository>
                  <mirrors>
                    <mirror>
                      <id>user-local-repository</id>
                      <mirrorOf>*,!tarflow-host</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                  <profiles>
                    <profile>
                      <id>tarflow-host</id>
                      <repositories>
                %s      </repositories>
                      <pluginRepositories>
                %s      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles>
                    <activeProfile>tarflow-host</activeProfile>
                  </activeProfiles>
                </settings>
                """.formatted(
                        dir.resolve("local-repository"),
                        userRepository.toUri(),
                        repository,
                        repository
                                .replace("<repository>", "<pluginRepository>")
                                .replace("</repository>", "</pluginRepository>"));
        return Files.writeString(dir.resolve("settings.xml"), xml);
    }

    /** Runs {@code mvn -B} in {@code directory}, its output to {@code log}; fails with the log's tail. */
    private static void maven(Path mvn, Path directory, Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(mvn.toString(), "-B", "-Dstyle.color=never"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + CHILD_TIMEOUT_MINUTES
                    + " minutes; log: " + tail(log));
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed; log " + log + ":\n" + tail(log));
    }

    private static int testsRun(Path report) throws IOException {
        assertTrue(Files.isRegularFile(report), report + " exists: surefire ran the conformance test");
        String xml = Files.readString(report);
        Matcher m = Pattern.compile("<testsuite [^>]*").matcher(xml);
        assertTrue(m.find(), "a surefire report: " + report);
        String suite = m.group();
        assertTrue(suite.contains("failures=\"0\"") && suite.contains("errors=\"0\""), suite);
        Matcher tests = Pattern.compile("tests=\"(\\d+)\"").matcher(suite);
        assertTrue(tests.find(), suite);
        return Integer.parseInt(tests.group(1));
    }

    private static Run tarflow(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        return Stream.of(path.split(File.pathSeparator))
                .filter(s -> !s.isEmpty())
                .map(s -> Path.of(s, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static String sha1(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }
}
