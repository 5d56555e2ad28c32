package org.tarflow4j.core.config;

import java.util.Map;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * A component a table asks for: its kind, its registry name ({@code coupling = "mog"}) and the table's own options for
 * it ({@code [flow.coupling_options]}), which override the shared {@code [couplings.mog]} table. The options stay raw
 * here: the component that reads them checks them. Where the name came from is the configuration's
 * {@link TarflowConfig#sourceOf} of {@code owner.kind} ({@code flow[0].coupling}).
 */
public record ComponentChoice(ComponentKind kind, String name, Map<String, Object> options) {
    /** The same choice under another name (the canonical name of an alias). */
    public ComponentChoice named(String canonical) {
        return new ComponentChoice(kind, canonical, options);
    }
}
