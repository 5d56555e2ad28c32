package org.tarflow4j.core.config;

import org.tarflow4j.core.TarflowException;

/** A configuration file or override that cannot be used as written. */
public class ConfigException extends TarflowException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
