package org.tarflow4j.core.plugin;

import java.util.ServiceConfigurationError;

/** Says why a plugin's class failed, down to the exception its own code threw (a static initialiser's, say). */
final class Causes {
    private Causes() {}

    static String describe(Throwable e) {
        Throwable root = e;
        boolean initialiser = false;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof ExceptionInInitializerError) initialiser = true;
            root = root.getCause();
        }
        if (root instanceof ExceptionInInitializerError) initialiser = true;
        if (root == e && !(e instanceof ServiceConfigurationError)) return e.toString();
        String what = root == e ? e.getMessage() : root.toString();
        if (initialiser) return "its static initialiser threw " + what;
        return (e instanceof ServiceConfigurationError ? e.getMessage() + ": " : "") + what;
    }
}
