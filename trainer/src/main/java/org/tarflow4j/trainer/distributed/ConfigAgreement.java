package org.tarflow4j.trainer.distributed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Store;
import org.tarflow4j.core.TarflowException;

/**
 * All ranks train the same resolved configuration. Rank 0 publishes the SHA-256 of its resolved TOML (and the text);
 * each rank compares its own, names the keys that differ, and publishes its verdict; every rank then reads all
 * verdicts, so a mismatch on any rank stops every rank with the same message.
 */
final class ConfigAgreement {
    private static final Pattern TABLE = Pattern.compile("^\\[([^\\[\\]]+)]\\s*$");
    private static final Pattern ARRAY_TABLE = Pattern.compile("^\\[\\[([^\\[\\]]+)]]\\s*$");
    private static final Pattern KEY = Pattern.compile("^([A-Za-z0-9_\"-]+)\\s*=\\s*(.*)$");

    private ConfigAgreement() {}

    static void require(World w, String toml) {
        Store store = w.store();
        String hash = sha256(toml);
        if (w.isMain()) {
            store.set(World.key("config", "text"), toml);
            store.set(World.key("config", "sha256"), hash);
        }
        w.waitFor(List.of(World.key("config", "sha256")), w.rendezvousTimeout(), "rank 0's configuration");
        String verdict = "";
        if (!store.get_to_str(World.key("config", "sha256")).equals(hash)) {
            List<String> keys = differences(store.get_to_str(World.key("config", "text")), toml, w.rank());
            verdict = "rank " + w.rank() + " runs another configuration than rank 0: "
                    + (keys.isEmpty() ? "the same keys, written differently" : String.join(", ", keys));
        }
        store.set(World.key("config", "verdict", w.rank()), verdict);
        List<String> all = new ArrayList<>();
        for (int r = 0; r < w.size(); r++) all.add(World.key("config", "verdict", r));
        w.waitFor(all, w.rendezvousTimeout(), "every rank's configuration check");
        List<String> problems = new ArrayList<>();
        for (String k : all) {
            String v = store.get_to_str(k);
            if (!v.isEmpty()) problems.add(v);
        }
        store.add(World.key("config", "read"), 1);
        if (!problems.isEmpty() && w.rendezvous().hostsStore()) // the store outlives every rank's reading of it
        w.waitForCount(World.key("config", "read"), w.size(), w.rendezvousTimeout());
        if (!problems.isEmpty())
            throw new TarflowException(String.join("; ", problems)
                    + "; start every rank with the same config file and --set overrides (and the same plugins)");
    }

    /** The keys whose values differ, as {@code train.lr (rank 0: 0.002, rank 1: 0.001)}; missing keys say so. */
    static List<String> differences(String main, String mine, int rank) {
        Map<String, String> a = flatten(main);
        Map<String, String> b = flatten(mine);
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            String x = a.getOrDefault(k, "unset");
            String y = b.getOrDefault(k, "unset");
            if (!x.equals(y)) out.add(k + " (rank 0: " + x + ", rank " + rank + ": " + y + ")");
        }
        return out;
    }

    /**
     * The keys of a TOML document as tarflow4j writes resolved configs, by path: {@code train.lr},
     * {@code flow[1].coupling_options.mixtures}.
     */
    static Map<String, String> flatten(String toml) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, Integer> arrays = new LinkedHashMap<>();
        String table = "";
        for (String raw : toml.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            Matcher m;
            if ((m = ARRAY_TABLE.matcher(line)).matches()) {
                String name = m.group(1).strip();
                int index = arrays.merge(name, 1, Integer::sum) - 1;
                table = name + "[" + index + "]";
            } else if ((m = TABLE.matcher(line)).matches()) {
                table = m.group(1).strip();
                for (Map.Entry<String, Integer> e : arrays.entrySet())
                    if (table.startsWith(e.getKey() + "."))
                        table = e.getKey() + "[" + (e.getValue() - 1) + "]"
                                + table.substring(e.getKey().length());
            } else if ((m = KEY.matcher(line)).matches()) {
                out.put(
                        (table.isEmpty() ? "" : table + ".") + m.group(1),
                        m.group(2).strip());
            }
        }
        return out;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
