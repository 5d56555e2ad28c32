package org.tarflow4j.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.tensorboard.proto.DataClass;
import org.tarflow4j.tensorboard.proto.DataType;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.HistogramProto;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.tensorboard.proto.hparams.HParamInfo;
import org.tarflow4j.tensorboard.proto.hparams.HParamsPluginData;
import org.tarflow4j.tensorboard.proto.hparams.SessionStartInfo;
import org.tarflow4j.tensorboard.proto.hparams.Status;

class SummaryWriterTest {
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L, 250_000_000);
    private static final double WALL = 1_700_000_000.25;
    private static final SummaryWriter.Options FIXED_CLOCK =
            new SummaryWriter.Options(100, Duration.ofSeconds(5), InstantSource.fixed(T0));

    @TempDir
    Path dir;

    @Test
    void aSmallRunReadsBackRecordForRecord() throws IOException {
        double[] sigma = {0.5, 0.25, 1.5, -2.0, 0.0, 3e-13, 1e6, 0.5};
        Path file;
        try (SummaryWriter writer = SummaryWriter.open(dir.resolve("run/tb"), FIXED_CLOCK)) {
            file = writer.file();
            writer.config("[model]\nlatent = 5\n");
            for (int step = 0; step < 3; step++) {
                writer.scalar("train/loss", step, 2.5 - 0.5 * step);
            }
            writer.scalar("train/lr", 3, 1234.5, 1e-3);
            Map<String, Double> eval = new LinkedHashMap<>();
            eval.put("val/bpc", 1.75);
            eval.put("test/bpc", 1.8125);
            writer.scalars(4, eval);
            writer.text("samples", 4, "the *quick* fox é");
            writer.histogram("encoder/sigma", 4, sigma);
        }

        // Framing checked with the test's own CRC32C; the reader returns the same records parsed.
        byte[] bytes = Files.readAllBytes(file);
        List<byte[]> records = FrameCheck.records(bytes);
        List<Event> events = EventReader.read(file);
        assertEquals(records.size(), events.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), events.get(i).toByteArray(), "record " + i);
        }
        assertEquals(9, events.size());

        Event version = events.get(0);
        assertEquals(SummaryWriter.FILE_VERSION, version.getFileVersion());
        assertEquals("brain.Event:2", version.getFileVersion());
        assertEquals(WALL, version.getWallTime());

        Summary.Value config = single(events.get(1));
        assertEquals("config", config.getTag());
        assertEquals(0, events.get(1).getStep());
        assertEquals("text", config.getMetadata().getPluginData().getPluginName());
        assertEquals(
                "```toml\n[model]\nlatent = 5\n```\n",
                config.getTensor().getStringVal(0).toStringUtf8());

        for (int step = 0; step < 3; step++) {
            Event e = events.get(2 + step);
            assertEquals(step, e.getStep());
            assertEquals(WALL, e.getWallTime());
            Summary.Value v = single(e);
            assertEquals("train/loss", v.getTag());
            assertEquals(Summary.Value.ValueCase.SIMPLE_VALUE, v.getValueCase());
            assertEquals((float) (2.5 - 0.5 * step), v.getSimpleValue());
        }
        Event lr = events.get(5);
        assertEquals(3, lr.getStep());
        assertEquals(1234.5, lr.getWallTime(), "an explicit wall time is kept");
        assertEquals(1e-3f, single(lr).getSimpleValue());

        Event evalEvent = events.get(6);
        assertEquals(4, evalEvent.getStep());
        assertEquals(2, evalEvent.getSummary().getValueCount());
        assertEquals("val/bpc", evalEvent.getSummary().getValue(0).getTag());
        assertEquals(1.75f, evalEvent.getSummary().getValue(0).getSimpleValue());
        assertEquals("test/bpc", evalEvent.getSummary().getValue(1).getTag());
        assertEquals(1.8125f, evalEvent.getSummary().getValue(1).getSimpleValue());

        Summary.Value text = single(events.get(7));
        assertEquals("samples", text.getTag());
        assertEquals("text", text.getMetadata().getPluginData().getPluginName());
        assertEquals(DataClass.DATA_CLASS_TENSOR, text.getMetadata().getDataClass());
        assertEquals(DataType.DT_STRING, text.getTensor().getDtype());
        assertEquals(0, text.getTensor().getTensorShape().getDimCount(), "a scalar string tensor");
        assertEquals(
                "the *quick* fox é",
                new String(text.getTensor().getStringVal(0).toByteArray(), StandardCharsets.UTF_8));

        Summary.Value histo = single(events.get(8));
        assertEquals("encoder/sigma", histo.getTag());
        assertEquals(4, events.get(8).getStep());
        checkHistogram(sigma, histo.getHisto());
    }

    @Test
    void theFileIsNamedAsTensorFlowNamesIt() {
        try (SummaryWriter a = SummaryWriter.open(dir, FIXED_CLOCK);
                SummaryWriter b = SummaryWriter.open(dir, FIXED_CLOCK)) {
            Pattern name = Pattern.compile("events\\.out\\.tfevents\\.(\\d{10})\\.(.+)\\.(\\d+)\\.(\\d+)");
            Matcher ma = name.matcher(a.file().getFileName().toString());
            Matcher mb = name.matcher(b.file().getFileName().toString());
            assertTrue(ma.matches(), a.file().toString());
            assertTrue(mb.matches(), b.file().toString());
            assertEquals("1700000000", ma.group(1));
            assertEquals(Long.toString(ProcessHandle.current().pid()), ma.group(3));
            assertFalse(ma.group(2).contains("/"));
            assertTrue(Long.parseLong(mb.group(4)) > Long.parseLong(ma.group(4)), "a per-process file counter");
            assertEquals(dir, a.file().getParent());
            assertEquals(List.of(a.file(), b.file()), EventReader.eventFiles(dir));
        }
    }

    @Test
    void hparamsCarryTheExperimentTheValuesAndTheStatus() throws IOException {
        Path sweep = dir.resolve("sweep");
        try (SummaryWriter root = SummaryWriter.open(sweep, FIXED_CLOCK)) {
            root.hparamsExperiment(
                    List.of(
                            new HParam("coupling", List.of("affine", "mog")),
                            new HParam("lr", List.of(1e-3, 3e-3), "learning rate", "peak"),
                            new HParam("tied", List.of(true, false)),
                            new HParam("note", List.of())),
                    List.of(new HParamMetric("val/bpc"), new HParamMetric("bpc", "eval", "test BPC", "")));
        }
        Path runDir = sweep.resolve("point-0/tb");
        try (SummaryWriter run = SummaryWriter.open(runDir, FIXED_CLOCK)) {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("coupling", "mog");
            values.put("lr", 3e-3);
            values.put("tied", true);
            values.put("steps", 1500);
            run.hparamsSessionStart(values, "mog-lr3e-3");
            run.scalar("val/bpc", 100, 1.9);
            run.hparamsSessionEnd(100, SessionStatus.SUCCESS);
        }

        List<Event> rootEvents = EventReader.read(EventReader.eventFiles(sweep).get(0));
        Summary.Value experiment = single(rootEvents.get(1));
        assertEquals("_hparams_/experiment", experiment.getTag());
        assertEquals(0, rootEvents.get(1).getStep());
        assertEquals("hparams", experiment.getMetadata().getPluginData().getPluginName());
        assertEquals(DataClass.DATA_CLASS_TENSOR, experiment.getMetadata().getDataClass());
        assertEquals(DataType.DT_FLOAT, experiment.getTensor().getDtype());
        assertEquals(0, experiment.getTensor().getTensorShape().getDim(0).getSize());
        HParamsPluginData data = HParamsPluginData.parseFrom(
                experiment.getMetadata().getPluginData().getContent());
        assertEquals(0, data.getVersion());
        assertEquals(WALL, data.getExperiment().getTimeCreatedSecs());
        List<HParamInfo> infos = data.getExperiment().getHparamInfosList();
        assertEquals(4, infos.size());
        assertEquals("coupling", infos.get(0).getName());
        assertEquals(
                org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_STRING,
                infos.get(0).getType());
        assertEquals(
                List.of(
                        Value.newBuilder().setStringValue("affine").build(),
                        Value.newBuilder().setStringValue("mog").build()),
                infos.get(0).getDomainDiscrete().getValuesList());
        assertEquals(
                org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_FLOAT64,
                infos.get(1).getType());
        assertEquals("learning rate", infos.get(1).getDisplayName());
        assertEquals(3e-3, infos.get(1).getDomainDiscrete().getValues(1).getNumberValue());
        assertEquals(
                org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_BOOL,
                infos.get(2).getType());
        assertEquals(HParamInfo.DomainCase.DOMAIN_NOT_SET, infos.get(3).getDomainCase());
        assertEquals(2, data.getExperiment().getMetricInfosCount());
        assertEquals("val/bpc", data.getExperiment().getMetricInfos(0).getName().getTag());
        assertEquals("", data.getExperiment().getMetricInfos(0).getName().getGroup());
        assertEquals("eval", data.getExperiment().getMetricInfos(1).getName().getGroup());
        assertEquals("test BPC", data.getExperiment().getMetricInfos(1).getDisplayName());

        List<Event> runEvents = EventReader.read(EventReader.eventFiles(runDir).get(0));
        assertEquals(4, runEvents.size());
        Summary.Value start = single(runEvents.get(1));
        assertEquals("_hparams_/session_start_info", start.getTag());
        SessionStartInfo startInfo = HParamsPluginData.parseFrom(
                        start.getMetadata().getPluginData().getContent())
                .getSessionStartInfo();
        assertEquals("mog", startInfo.getHparamsOrThrow("coupling").getStringValue());
        assertEquals(3e-3, startInfo.getHparamsOrThrow("lr").getNumberValue());
        assertTrue(startInfo.getHparamsOrThrow("tied").getBoolValue());
        assertEquals(1500.0, startInfo.getHparamsOrThrow("steps").getNumberValue());
        assertEquals("mog-lr3e-3", startInfo.getGroupName());
        assertEquals(WALL, startInfo.getStartTimeSecs());
        Summary.Value end = single(runEvents.get(3));
        assertEquals("_hparams_/session_end_info", end.getTag());
        assertEquals(100, runEvents.get(3).getStep());
        assertEquals(
                Status.STATUS_SUCCESS,
                HParamsPluginData.parseFrom(end.getMetadata().getPluginData().getContent())
                        .getSessionEndInfo()
                        .getStatus());
    }

    @Test
    void badHparamsAreRefusedByName() {
        try (SummaryWriter writer = SummaryWriter.open(dir, FIXED_CLOCK)) {
            IllegalArgumentException mixed = assertThrows(
                    IllegalArgumentException.class,
                    () -> writer.hparamsExperiment(List.of(new HParam("lr", List.of(1e-3, "3e-3"))), List.of()));
            assertTrue(mixed.getMessage().contains("'lr' mixes value types"), mixed.getMessage());
            IllegalArgumentException odd =
                    assertThrows(IllegalArgumentException.class, () -> writer.hparamsSessionStart(Map.of("dir", dir)));
            assertTrue(odd.getMessage().contains("'dir'"), odd.getMessage());
        }
    }

    @Test
    void aFlippedByteIsFoundAndNamed() throws IOException {
        Path file;
        try (SummaryWriter writer = SummaryWriter.open(dir, FIXED_CLOCK)) {
            file = writer.file();
            writer.scalar("a", 1, 1.0);
            writer.scalar("b", 2, 2.0);
        }
        byte[] good = Files.readAllBytes(file);
        List<byte[]> records = FrameCheck.records(good);
        int second = 12 + records.get(0).length + 4;
        int third = second + 12 + records.get(1).length + 4;
        for (int at = 0; at < good.length; at++) {
            byte[] bad = good.clone();
            bad[at] ^= 0x10;
            Path damaged = dir.resolve("damaged-" + at);
            Files.write(damaged, bad);
            int recordStart = at < second ? 0 : at < third ? second : third;
            int inRecord = at - recordStart;
            EventFileException e = assertThrows(EventFileException.class, () -> EventReader.read(damaged));
            assertEquals(damaged, e.file());
            assertEquals(recordStart, e.offset(), "flipped byte " + at);
            assertTrue(e.getMessage().contains(damaged.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("record at byte " + recordStart), e.getMessage());
            if (inRecord >= 12) {
                assertTrue(e.getMessage().contains("data CRC32C mismatch"), at + ": " + e.getMessage());
            } else if (inRecord < 12) {
                assertTrue(e.getMessage().contains("length CRC32C mismatch"), at + ": " + e.getMessage());
            }
        }
    }

    @Test
    void aFileStillBeingWrittenReadsUpToItsLastWholeRecord() throws IOException {
        Path file;
        try (SummaryWriter writer = SummaryWriter.open(dir, FIXED_CLOCK)) {
            file = writer.file();
            writer.scalar("a", 1, 1.0);
        }
        byte[] whole = Files.readAllBytes(file);
        Path partial = dir.resolve("partial");
        Files.write(partial, java.util.Arrays.copyOf(whole, whole.length - 3));
        EventFileException e = assertThrows(EventFileException.class, () -> EventReader.read(partial));
        assertTrue(e.getMessage().contains("truncated record"), e.getMessage());
        assertEquals(1, EventReader.readAvailable(partial).size());
    }

    @Test
    void recordsReachTheFileAfterFlushRecordsAppends() throws IOException {
        SummaryWriter.Options everyTwo = new SummaryWriter.Options(2, Duration.ofHours(1), InstantSource.fixed(T0));
        try (SummaryWriter writer = SummaryWriter.open(dir, everyTwo)) {
            assertEquals(1, EventReader.read(writer.file()).size(), "the file version is flushed at once");
            writer.scalar("a", 1, 1.0);
            assertEquals(1, EventReader.read(writer.file()).size(), "one record stays buffered");
            writer.scalar("a", 2, 2.0);
            assertEquals(3, EventReader.read(writer.file()).size(), "the second record flushes both");
            writer.scalar("a", 3, 3.0);
            writer.flush();
            assertEquals(4, EventReader.read(writer.file()).size(), "flush() writes what is buffered");
        }
    }

    @Test
    void aQuietWriterIsFlushedOnItsPeriod() throws InterruptedException {
        SummaryWriter.Options periodic =
                new SummaryWriter.Options(1_000_000, Duration.ofMillis(50), InstantSource.system());
        try (SummaryWriter writer = SummaryWriter.open(dir, periodic)) {
            writer.scalar("a", 1, 1.0);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (EventReader.readAvailable(writer.file()).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, EventReader.readAvailable(writer.file()).size(), "flushed within 10 s by the 50 ms period");
        }
    }

    @Test
    void concurrentAppendsStayWholeRecords() throws Exception {
        int threads = 4;
        int perThread = 500;
        Path file;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SummaryWriter writer = SummaryWriter.open(dir, SummaryWriter.Options.defaults())) {
            file = writer.file();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String tag = "thread" + t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        writer.scalar(tag, i, i);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Event> events = EventReader.read(file);
        FrameCheck.records(Files.readAllBytes(file));
        assertEquals(1 + threads * perThread, events.size());
        Set<String> seen = new HashSet<>();
        for (Event e : events.subList(1, events.size())) {
            Summary.Value v = single(e);
            assertEquals((float) e.getStep(), v.getSimpleValue());
            assertTrue(seen.add(v.getTag() + "@" + e.getStep()), "each append once");
        }
        assertEquals(threads * perThread, seen.size());
    }

    @Test
    void misuseAndIoErrorsSayWhatAndWhere() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        EventFileException e =
                assertThrows(EventFileException.class, () -> SummaryWriter.open(notADirectory.resolve("tb")));
        assertTrue(e.getMessage().contains(notADirectory.toString()), e.getMessage());
        assertTrue(e.getMessage().startsWith("TensorBoard event file "), e.getMessage());

        SummaryWriter writer = SummaryWriter.open(dir, FIXED_CLOCK);
        IllegalArgumentException noTag = assertThrows(IllegalArgumentException.class, () -> writer.scalar(" ", 1, 1.0));
        assertTrue(noTag.getMessage().contains("non-empty tag"), noTag.getMessage());
        IllegalArgumentException nan = assertThrows(
                IllegalArgumentException.class, () -> writer.histogram("h", 1, new double[] {1, Double.NaN}));
        assertTrue(nan.getMessage().contains("histogram 'h': value 1 of 2 is NaN"), nan.getMessage());
        writer.close();
        writer.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> writer.scalar("a", 1, 1));
        assertTrue(closed.getMessage().contains(writer.file().toString()), closed.getMessage());
        EventFileException missing =
                assertThrows(EventFileException.class, () -> EventReader.read(dir.resolve("nothing-here")));
        assertTrue(missing.getMessage().contains("nothing-here"), missing.getMessage());
    }

    @Test
    void histogramBucketsAreTensorFlowsDefaults() {
        double[] limits = Histogram.defaultLimits();
        assertEquals(1551, limits.length, "774 limits from 1e-12 below 1e20 on each side, ±MAX_VALUE and 0");
        assertEquals(-Double.MAX_VALUE, limits[0]);
        assertEquals(Double.MAX_VALUE, limits[limits.length - 1]);
        assertEquals(0.0, limits[775]);
        assertEquals(1e-12, limits[776]);
        for (int i = 777; i < limits.length - 1; i++) {
            assertEquals(1.1, limits[i] / limits[i - 1], 1e-12, "growth 10% per bucket");
            assertEquals(-limits[i], limits[limits.length - 1 - i]);
        }
        assertTrue(limits[limits.length - 2] < 1e20 && limits[limits.length - 2] * 1.1 >= 1e20);

        java.util.Random random = new java.util.Random(17);
        double[] values = new double[5000];
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.exp(random.nextGaussian() * 3) * (random.nextBoolean() ? 1 : -1);
        }
        values[0] = 0.0;
        values[1] = 1e-12;
        values[2] = Double.MAX_VALUE;
        values[3] = -Double.MAX_VALUE;
        checkHistogram(values, Histogram.of(values));

        HistogramProto empty = Histogram.of(new double[0]);
        assertEquals(0, empty.getNum());
        assertEquals(0, empty.getBucketCount());
    }

    @Test
    void aCodeBlockFenceOutgrowsTheBackticksInside() {
        assertEquals("```\nplain\n```\n", Markdown.codeBlock("plain", ""));
        assertEquals("````md\na ``` b\n````\n", Markdown.codeBlock("a ``` b\n", "md"));
    }

    /**
     * A histogram as TensorBoard reads it: buckets increase, bucket i counts the values in [previous limit, limit i)
     * (from -∞ for the first), empty runs are merged, and the moments match (sums to relative 1e-12).
     */
    private static void checkHistogram(double[] values, HistogramProto h) {
        assertEquals(values.length, h.getNum());
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sumSquares = 0;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            sumSquares += v * v;
        }
        assertEquals(min, h.getMin());
        assertEquals(max, h.getMax());
        assertEquals(sum, h.getSum(), Math.abs(sum) * 1e-12);
        assertEquals(sumSquares, h.getSumSquares(), sumSquares * 1e-12);
        assertEquals(h.getBucketCount(), h.getBucketLimitCount());
        double left = Double.NEGATIVE_INFINITY;
        double total = 0;
        for (int i = 0; i < h.getBucketCount(); i++) {
            double right = h.getBucketLimit(i);
            assertTrue(right > left, "limits increase");
            if (i > 0) {
                assertFalse(h.getBucket(i) == 0 && h.getBucket(i - 1) == 0, "empty runs are merged");
            }
            long inside = 0;
            for (double v : values) {
                boolean last = right == Double.MAX_VALUE && v == Double.MAX_VALUE;
                if ((v >= left && v < right) || last) {
                    inside++;
                }
            }
            assertEquals(inside, h.getBucket(i), "bucket [" + left + ", " + right + ")");
            total += h.getBucket(i);
            left = right;
        }
        assertEquals(values.length, total);
    }

    private static Summary.Value single(Event event) {
        assertTrue(event.hasSummary(), "a summary event");
        assertEquals(1, event.getSummary().getValueCount());
        return event.getSummary().getValue(0);
    }
}
