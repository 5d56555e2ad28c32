package org.tarflow4j.tensorboard;

import com.google.protobuf.ListValue;
import com.google.protobuf.Value;
import java.util.List;
import java.util.Map;
import org.tarflow4j.tensorboard.proto.DataType;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.tensorboard.proto.TensorProto;
import org.tarflow4j.tensorboard.proto.TensorShapeProto;
import org.tarflow4j.tensorboard.proto.hparams.Experiment;
import org.tarflow4j.tensorboard.proto.hparams.HParamInfo;
import org.tarflow4j.tensorboard.proto.hparams.HParamsPluginData;
import org.tarflow4j.tensorboard.proto.hparams.MetricInfo;
import org.tarflow4j.tensorboard.proto.hparams.MetricName;
import org.tarflow4j.tensorboard.proto.hparams.SessionEndInfo;
import org.tarflow4j.tensorboard.proto.hparams.SessionStartInfo;

/**
 * The summaries of TensorBoard's HParams plugin. The experiment (written once, usually into the parent directory of
 * the runs) lists the hyperparameters and metrics; each run writes a session start with its hyperparameter values and
 * a session end with its status. Each is an empty tensor whose metadata carries an {@link HParamsPluginData}.
 */
public final class HParamsSummaries {
    /** The plugin owning hparams summaries. */
    public static final String PLUGIN = "hparams";
    /** The tag of the experiment summary. */
    public static final String EXPERIMENT_TAG = "_hparams_/experiment";
    /** The tag of a run's session start. */
    public static final String SESSION_START_INFO_TAG = "_hparams_/session_start_info";
    /** The tag of a run's session end. */
    public static final String SESSION_END_INFO_TAG = "_hparams_/session_end_info";

    /** The value the plugin stores its data beside: a float tensor of shape [0]. */
    private static final TensorProto NULL_TENSOR = TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(0)))
            .build();

    private HParamsSummaries() {}

    /** The experiment: the hyperparameters with their domains, and the metrics, compared across runs. */
    public static Summary.Value experiment(List<HParam> hparams, List<HParamMetric> metrics, double timeCreatedSecs) {
        Experiment.Builder experiment = Experiment.newBuilder().setTimeCreatedSecs(timeCreatedSecs);
        for (HParam hparam : hparams) {
            experiment.addHparamInfos(info(hparam));
        }
        for (HParamMetric metric : metrics) {
            experiment.addMetricInfos(MetricInfo.newBuilder()
                    .setName(MetricName.newBuilder().setGroup(metric.group()).setTag(metric.tag()))
                    .setDisplayName(metric.displayName())
                    .setDescription(metric.description()));
        }
        return value(
                EXPERIMENT_TAG,
                HParamsPluginData.newBuilder().setExperiment(experiment).build());
    }

    /**
     * A run's session start: its hyperparameter values (strings, numbers or booleans).
     *
     * @param groupName runs with the same non-empty group name (e.g. one sweep point with several seeds) form one row
     */
    public static Summary.Value sessionStart(Map<String, ?> hparams, String groupName, double startTimeSecs) {
        SessionStartInfo.Builder start =
                SessionStartInfo.newBuilder().setGroupName(groupName).setStartTimeSecs(startTimeSecs);
        hparams.forEach((name, value) -> start.putHparams(name, toValue(name, value)));
        return value(
                SESSION_START_INFO_TAG,
                HParamsPluginData.newBuilder().setSessionStartInfo(start).build());
    }

    /** A run's session end: how it ended. */
    public static Summary.Value sessionEnd(SessionStatus status, double endTimeSecs) {
        SessionEndInfo end = SessionEndInfo.newBuilder()
                .setStatus(status.proto())
                .setEndTimeSecs(endTimeSecs)
                .build();
        return value(
                SESSION_END_INFO_TAG,
                HParamsPluginData.newBuilder().setSessionEndInfo(end).build());
    }

    private static Summary.Value value(String tag, HParamsPluginData data) {
        return Summary.Value.newBuilder()
                .setTag(tag)
                .setMetadata(Summaries.pluginMetadata(PLUGIN, data.toByteString()))
                .setTensor(NULL_TENSOR)
                .build();
    }

    private static HParamInfo info(HParam hparam) {
        HParamInfo.Builder info = HParamInfo.newBuilder()
                .setName(hparam.name())
                .setDisplayName(hparam.displayName())
                .setDescription(hparam.description());
        if (hparam.values().isEmpty()) {
            return info.build();
        }
        ListValue.Builder domain = ListValue.newBuilder();
        org.tarflow4j.tensorboard.proto.hparams.DataType type = null;
        for (Object v : hparam.values()) {
            Value value = toValue(hparam.name(), v);
            org.tarflow4j.tensorboard.proto.hparams.DataType valueType = typeOf(value);
            if (type != null && type != valueType) {
                throw new IllegalArgumentException("hparam '" + hparam.name() + "' mixes value types ("
                        + hparam.values() + "); give all strings, all numbers or all booleans");
            }
            type = valueType;
            domain.addValues(value);
        }
        return info.setType(type).setDomainDiscrete(domain).build();
    }

    private static org.tarflow4j.tensorboard.proto.hparams.DataType typeOf(Value value) {
        switch (value.getKindCase()) {
            case BOOL_VALUE:
                return org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_BOOL;
            case NUMBER_VALUE:
                return org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_FLOAT64;
            default:
                return org.tarflow4j.tensorboard.proto.hparams.DataType.DATA_TYPE_STRING;
        }
    }

    private static Value toValue(String name, Object value) {
        if (value instanceof Boolean b) {
            return Value.newBuilder().setBoolValue(b).build();
        }
        if (value instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        if (value instanceof CharSequence || value instanceof Enum<?>) {
            return Value.newBuilder().setStringValue(value.toString()).build();
        }
        throw new IllegalArgumentException("hparam '" + name + "' has value " + value + " of type "
                + (value == null ? "null" : value.getClass().getName()) + "; give a string, a number or a boolean");
    }
}
