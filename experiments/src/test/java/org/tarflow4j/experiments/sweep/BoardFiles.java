package org.tarflow4j.experiments.sweep;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.tarflow4j.tensorboard.EventReader;
import org.tarflow4j.tensorboard.HParamsSummaries;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.tensorboard.proto.hparams.HParamsPluginData;

/** What the event files of a folder say, read back with the CRC-checking reader, as short lines for assertions. */
final class BoardFiles {
    private BoardFiles() {}

    /**
     * One line per event file, oldest first: {@code experiment NAME=[values]...; metrics TAG,...}, {@code start
     * NAME=VALUE...}, {@code end STATUS}, or {@code training} for a file of the trainer's.
     */
    static List<String> describe(Path dir) throws InvalidProtocolBufferException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        for (Path file : EventReader.eventFiles(dir)) {
            List<String> parts = new ArrayList<>();
            for (Event e : EventReader.read(file))
                for (Summary.Value v : e.getSummary().getValueList()) {
                    if (!v.getTag().startsWith("_hparams_/")) {
                        if (!parts.contains("training")) parts.add("training");
                        continue;
                    }
                    HParamsPluginData d = HParamsPluginData.parseFrom(
                            v.getMetadata().getPluginData().getContent());
                    if (v.getTag().equals(HParamsSummaries.EXPERIMENT_TAG))
                        parts.add("experiment "
                                + d.getExperiment().getHparamInfosList().stream()
                                        .map(h -> h.getName() + "="
                                                + h.getDomainDiscrete().getValuesList().stream()
                                                        .map(x -> x.hasNumberValue()
                                                                ? Double.toString(x.getNumberValue())
                                                                : x.getStringValue())
                                                        .toList())
                                        .collect(Collectors.joining(" "))
                                + "; metrics "
                                + d.getExperiment().getMetricInfosList().stream()
                                        .map(m -> m.getName().getTag())
                                        .collect(Collectors.joining(",")));
                    else if (v.getTag().equals(HParamsSummaries.SESSION_START_INFO_TAG))
                        parts.add("start "
                                + d.getSessionStartInfo().getHparamsMap().entrySet().stream()
                                        .map(h -> h.getKey() + "="
                                                + (h.getValue().hasNumberValue()
                                                        ? Double.toString(
                                                                h.getValue().getNumberValue())
                                                        : h.getValue().getStringValue()))
                                        .sorted()
                                        .collect(Collectors.joining(" "))
                                + (d.getSessionStartInfo().getGroupName().isEmpty()
                                        ? ""
                                        : " group " + d.getSessionStartInfo().getGroupName()));
                    else parts.add("end " + d.getSessionEndInfo().getStatus());
                }
            out.add(String.join(", ", parts));
        }
        return out;
    }
}
