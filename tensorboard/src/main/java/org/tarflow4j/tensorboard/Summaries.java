package org.tarflow4j.tensorboard;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import org.tarflow4j.tensorboard.proto.DataClass;
import org.tarflow4j.tensorboard.proto.DataType;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.tensorboard.proto.SummaryMetadata;
import org.tarflow4j.tensorboard.proto.TensorProto;

/** The summary values TensorBoard's scalar, histogram and text dashboards read, one per tag and step. */
public final class Summaries {
    /** The plugin owning text summaries. */
    public static final String TEXT_PLUGIN = "text";

    private Summaries() {}

    /**
     * A scalar, as a {@code simple_value} (32-bit float), the form every TensorBoard reader takes; TensorBoard files
     * it under its scalars dashboard.
     */
    public static Summary.Value scalar(String tag, double value) {
        return Summary.Value.newBuilder()
                .setTag(checkTag(tag))
                .setSimpleValue((float) value)
                .build();
    }

    /** A histogram of {@code values} over TensorFlow's default buckets ({@link Histogram}). */
    public static Summary.Value histogram(String tag, double[] values) {
        checkTag(tag);
        try {
            return Summary.Value.newBuilder()
                    .setTag(tag)
                    .setHisto(Histogram.of(values))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("histogram '" + tag + "': " + e.getMessage(), e);
        }
    }

    /** Markdown text for the text dashboard: a scalar DT_STRING tensor owned by the "text" plugin. */
    public static Summary.Value text(String tag, String markdown) {
        TensorProto tensor = TensorProto.newBuilder()
                .setDtype(DataType.DT_STRING)
                .addStringVal(ByteString.copyFrom(markdown, StandardCharsets.UTF_8))
                .build();
        return Summary.Value.newBuilder()
                .setTag(checkTag(tag))
                .setMetadata(pluginMetadata(TEXT_PLUGIN, ByteString.EMPTY))
                .setTensor(tensor)
                .build();
    }

    /** Metadata naming the plugin that owns a tensor summary, with the plugin's own data. */
    static SummaryMetadata pluginMetadata(String pluginName, ByteString content) {
        return SummaryMetadata.newBuilder()
                .setPluginData(SummaryMetadata.PluginData.newBuilder()
                        .setPluginName(pluginName)
                        .setContent(content))
                .setDataClass(DataClass.DATA_CLASS_TENSOR)
                .build();
    }

    static String checkTag(String tag) {
        if (tag == null || tag.isBlank()) {
            throw new IllegalArgumentException(
                    "a summary needs a non-empty tag, got " + (tag == null ? "null" : "'" + tag + "'"));
        }
        return tag;
    }
}
