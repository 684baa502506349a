package io.tether.files;

import java.io.IOException;

/**
 * A path that someone other than root and this process's user could have made, or could change:
 * the message says which part and why, in one line, for the operator to fix.
 */
public final class UntrustedPathException extends IOException {
    public UntrustedPathException(String message) {
        super(message);
    }
}
