package org.tarflow4j.core.config;

import java.util.Map;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * A component a table asks for: its kind, its registry name ({@code coupling = "mog"}) and the table's own options for
 * it ({@code [flow.coupling_options]}), which override the shared {@code [couplings.mog]} table. The options stay raw
 * here: the component that reads them checks them.
 */
public record ComponentChoice(ComponentKind kind, String name, Map<String, Object> options) {}
