package io.tether.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets the worker process's umask to 077, so that the files it and its embedded broker create
 * (journal files holding requests in transit, the database, logins) are readable by their owner
 * only, whatever umask the shell or service manager started it with. The JDK has no call for
 * umask(2); JNA calls the C library's.
 */
final class OwnerOnlyFiles {
    private interface C extends Library {
        int umask(int mask);
    }

    private OwnerOnlyFiles() {
    }

    static void apply() {
        Native.load("c", C.class).umask(0077);
    }
}
