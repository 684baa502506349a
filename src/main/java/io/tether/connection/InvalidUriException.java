package io.tether.connection;

/**
 * A URI that cannot name a connection. The message says what to fix and never repeats a credential.
 */
public final class InvalidUriException extends Exception {
    public InvalidUriException(String message) {
        super(message, null, false, false);
    }
}
