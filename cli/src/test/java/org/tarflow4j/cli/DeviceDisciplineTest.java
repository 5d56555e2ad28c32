package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every tensor the main code makes says where it lives, so that nothing lands on the CPU by default while the model
 * is on a GPU (libtorch's factories make CPU tensors unless told otherwise, and a CPU tensor meeting a CUDA one fails
 * only on a GPU). A factory call ({@code torch.zeros(…)}, {@code torch.randn(…)}, …) must take options that name a
 * device: a placement's ({@code placement.options(…)}, {@code Placement.CPU.options(…)} for what is made on the CPU on
 * purpose) or a tensor's ({@code x.options()}); {@code *_like} factories take the device of their argument.
 * {@code Tensor.create} (Java arrays, always on the CPU), {@code createIndexer} (CUDA tensors have none) and
 * {@code .cpu()}/{@code .cuda()} belong to {@code Placement} alone, which moves what it makes and copies to the host
 * what Java reads. ({@code new TensorOptions(dtype)} names no device: a factory given only that is flagged; a tensor's
 * {@code new_zeros(…, options)} or {@code to(options)} keeps the tensor's device.) Random numbers come from the model's {@code Noise} or a seeded CPU generator,
 * never from a device's generator ({@code multinomial}, {@code randn_like}), which gives other numbers on a GPU.
 *
 * <p>Scans the main sources of every module (plugins and the example plugin included), without comments and string
 * literals.
 */
class DeviceDisciplineTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));

    /** Files that may break a rule, and why. */
    private static final Map<String, String> ALLOWED = Map.of(
            "api/src/main/java/org/tarflow4j/api/Placement.java",
            "the one place that makes tensors from Java arrays and copies tensors to the host",
            "testkit/src/main/java/",
            "the conformance harnesses check components on the CPU in float64 by design (autograd Jacobians)");

    private static final Pattern FACTORY = Pattern.compile("\\btorch\\s*\\.\\s*(randn|rand|randint|randperm|zeros|ones"
            + "|full|empty|empty_strided|arange|range|tensor|eye|linspace|logspace|normal|scalar_tensor|from_blob"
            + "|tril_indices|triu_indices)\\s*\\(");
    private static final Pattern HOST_ONLY = Pattern.compile(
            "\\bTensor\\s*\\.\\s*create\\s*\\(|\\.\\s*createIndexer\\s*\\(|\\.\\s*(cpu|cuda)\\s*\\(\\s*\\)");
    private static final Pattern DEVICE_RANDOM = Pattern.compile(
            "\\btorch\\s*\\.\\s*(multinomial|bernoulli|poisson)\\s*\\(|\\b(randn_like|rand_like|randint_like)\\s*\\(");

    /** One place in one file that breaks a rule. */
    record Violation(String file, int line, String call, String rule) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + call + " — " + rule;
        }
    }

    @Test
    void mainCodeNamesWhereEveryTensorLives() throws IOException {
        List<Violation> found = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(ROOT)) {
            sources = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> ROOT.relativize(p)
                            .toString()
                            .replace('\\', '/')
                            .matches("(examples/)?[^/]+/src/main/java/.*"))
                    .toList();
        }
        assertTrue(sources.size() > 100, "found the main sources: " + sources.size());
        for (Path file : sources) {
            String name = ROOT.relativize(file).toString().replace('\\', '/');
            if (ALLOWED.keySet().stream().anyMatch(name::startsWith)) continue;
            found.addAll(violations(name, Files.readString(file)));
        }
        assertEquals(List.of(), found, "tensors made without naming their device:\n" + join(found));
    }

    /** The scanner finds what it is meant to find, so that an empty result means something. */
    @Test
    void theScannerSeesWhatItLooksFor() {
        String source = """
                class X {
                    // torch.zeros(3) in a comment is fine
                    String s = "torch.ones(2) in a string is fine";
                    Tensor a = torch.zeros(3);
                    Tensor b = torch.zeros(new long[] {3}, placement.options(torch.ScalarType.Double));
                    Tensor c = torch.randn(new long[] {2, 2},
                            new GeneratorOptional(g), Placement.CPU.options());
                    Tensor d = torch.arange(new Scalar(4), x.options().dtype(new ScalarTypeOptional(kLong)));
                    Tensor e = torch.full(new long[] {2}, new Scalar(1.0),
                            new TensorOptions(torch.ScalarType.Float));
                    Tensor f = Tensor.create(new long[] {1, 2});
                    Tensor g = torch.zeros_like(x);
                    long v = t.createIndexer().get(0);
                    Tensor h = torch.multinomial(p, 1);
                    Tensor i = x.cuda();
                }
                """;
        List<Violation> v = violations("X.java", source);
        assertEquals(
                List.of(
                        "4 torch.zeros(",
                        "9 torch.full(",
                        "11 Tensor.create(",
                        "13 .createIndexer(",
                        "14 torch.multinomial(",
                        "15 .cuda()"),
                v.stream().map(x -> x.line() + " " + x.call()).toList(),
                join(v));
    }

    static List<Violation> violations(String file, String text) {
        String code = withoutCommentsAndStrings(text);
        List<Violation> out = new ArrayList<>();
        Matcher m = FACTORY.matcher(code);
        while (m.find()) {
            String arguments = arguments(code, m.end() - 1);
            if (!arguments.matches("(?s).*\\.\\s*options\\s*\\(.*"))
                out.add(new Violation(
                        file,
                        line(code, m.start()),
                        squash(code.substring(m.start(), m.end())),
                        "give options with a device: placement.options(dtype), Placement.CPU.options(dtype) or"
                                + " x.options()"));
        }
        m = HOST_ONLY.matcher(code);
        while (m.find())
            out.add(new Violation(
                    file,
                    line(code, m.start()),
                    squash(code.substring(m.start(), m.end())),
                    "make tensors from Java values with placement.longs/doubles, read values with"
                            + " Placement.hostLongs/hostDoubles, move with placement.put"));
        m = DEVICE_RANDOM.matcher(code);
        while (m.find())
            out.add(new Violation(
                    file,
                    line(code, m.start()),
                    squash(code.substring(m.start(), m.end())),
                    "draw random numbers on the CPU from a seeded generator (the model's Noise), not the device's"));
        out.sort(java.util.Comparator.comparingInt(Violation::line));
        return out;
    }

    /** The text between the parenthesis at {@code open} and its match. */
    private static String arguments(String code, int open) {
        int depth = 0;
        for (int i = open; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return code.substring(open + 1, i);
        }
        return code.substring(open + 1);
    }

    /** Comments and the contents of string and character literals blanked out, lines kept. */
    static String withoutCommentsAndStrings(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (text.startsWith("//", i)) {
                while (i < text.length() && text.charAt(i) != '\n') i++;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? text.length() : end + 2;
                for (; i < end; i++) if (text.charAt(i) == '\n') out.append('\n');
            } else if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                end = end < 0 ? text.length() : end + 3;
                out.append("\"\"");
                for (; i < end; i++) if (text.charAt(i) == '\n') out.append('\n');
            } else if (c == '"' || c == '\'') {
                out.append(c).append(c);
                i++;
                while (i < text.length() && text.charAt(i) != c) {
                    if (text.charAt(i) == '\\') i++;
                    i++;
                }
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static int line(String code, int at) {
        int n = 1;
        for (int i = 0; i < at; i++) if (code.charAt(i) == '\n') n++;
        return n;
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", " ").replaceAll(" ?([.(]) ?", "$1");
    }

    private static String join(List<Violation> v) {
        StringBuilder s = new StringBuilder();
        for (Violation x : v) s.append("  ").append(x).append('\n');
        return s.toString();
    }
}
