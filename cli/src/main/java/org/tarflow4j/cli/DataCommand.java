package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tarflow4j.data.Corpora;
import org.tarflow4j.data.Corpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Prepare a corpus for [data] source = \"DIR\" (memory-mapped token splits and a manifest.json). "
                + "A directory that already holds the same corpus from unchanged sources is reused.",
        subcommands = {DataCommand.Text8.class, DataCommand.Bpe.class, DataCommand.Text.class, DataCommand.Markov.class
        })
final class DataCommand {
    private static void report(CommandSpec spec, Corpus corpus) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(corpus.describe());
        out.println("use it with: [data] source = \"" + corpus.directory() + "\"");
    }

    @Command(
            name = "text8",
            mixinStandardHelpOptions = true,
            description = "text8 (10^8 characters of Wikipedia, a-z and space), split 90M / 5M / 5M characters.")
    static final class Text8 implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--from",
                paramLabel = "FILE",
                description = "A local text8.zip or the unzipped text8 (default: download " + Corpora.TEXT8_URL + ").")
        Path from;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "corpora/text8",
                description = "The corpus directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            report(spec, Corpora.text8(from, out, spec.commandLine().getOut()::println));
        }
    }

    /** {@code --valid FILE --test FILE}: the standard held-out splits of a published corpus. */
    static final class HeldOut {
        @Option(
                names = "--valid",
                paramLabel = "FILE",
                description = "A held-out file that is the valid split, as published (e.g. WikiText's wiki.valid.raw);"
                        + " repeat for several. Needs --test; the FILES are then the train split.")
        List<Path> valid = new ArrayList<>();

        @Option(
                names = "--test",
                paramLabel = "FILE",
                description = "A held-out file that is the test split (e.g. wiki.test.raw); repeat for several.")
        List<Path> test = new ArrayList<>();
    }

    @Command(
            name = "bpe",
            mixinStandardHelpOptions = true,
            description = "GPT-2 BPE (r50k_base) over text files of any name (a document each, .gz decompressed, e.g."
                    + " WikiText's .raw) and .jsonl files (a document per line, its \"text\" field); <|endoftext|>"
                    + " between documents; valid and test are held-out documents, or the files of --valid and --test.")
    static final class Bpe implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILES", description = "The documents, in order.")
        List<Path> files;

        @Mixin
        HeldOut heldOut;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "corpora/bpe",
                description = "The corpus directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            report(
                    spec,
                    Corpora.bpe(
                            files,
                            heldOut.valid,
                            heldOut.test,
                            out,
                            spec.commandLine().getOut()::println));
        }
    }

    @Command(
            name = "text",
            mixinStandardHelpOptions = true,
            description = "Any files (.gz decompressed), a document each, at character level (text8 normalisation, "
                    + "27 symbols) or as raw bytes (256 symbols); split 90/5/5 by tokens, or train on the FILES and"
                    + " hold out the files of --valid and --test (PTB, enwik8 cut as published).")
    static final class Text implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILES", description = "The files, in order.")
        List<Path> files;

        @Mixin
        HeldOut heldOut;

        @Option(
                names = "--level",
                paramLabel = "char|byte",
                defaultValue = "char",
                description = "Symbols: char or byte (default: ${DEFAULT-VALUE}).")
        String level;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "corpora/text",
                description = "The corpus directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            report(
                    spec,
                    Corpora.text(
                            files,
                            level,
                            heldOut.valid,
                            heldOut.test,
                            out,
                            spec.commandLine().getOut()::println));
        }
    }

    @Command(
            name = "markov",
            mixinStandardHelpOptions = true,
            description = "A synthetic corpus over the text8 alphabet: a sample of an order-2 Markov chain whose rows"
                    + " p(c | a, b) are Dirichlet draws, all from one seed, split 90/5/5 by tokens. Prints the"
                    + " chain's exact entropy rate: no model's bits per character can go below it.")
    static final class Markov implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Option(
                names = "--seed",
                paramLabel = "N",
                defaultValue = "0",
                description = "Seed of the table and the sample (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(
                names = "--length",
                paramLabel = "SYMBOLS",
                defaultValue = "1000000",
                description = "Symbols to sample (default: ${DEFAULT-VALUE}).")
        long length;

        @Option(
                names = "--concentration",
                paramLabel = "ALPHA",
                defaultValue = "0.1",
                description = "Dirichlet concentration of each row: smaller is sparser, a lower entropy rate"
                        + " (default: ${DEFAULT-VALUE}, about 2.3 bits per symbol).")
        double concentration;

        @Option(
                names = "--out",
                paramLabel = "DIR",
                defaultValue = "corpora/markov",
                description = "The corpus directory (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public void run() {
            Corpus corpus = Corpora.markov(
                    seed, length, concentration, out, spec.commandLine().getOut()::println);
            report(spec, corpus);
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "entropy rate of the chain: %.4f bits per character (uniform: %.4f)%n",
                            Corpora.markovEntropyRate(corpus).orElseThrow(),
                            Math.log(27) / Math.log(2));
        }
    }
}
