package io.tether.uri;

/**
 * Names one host connection: the normalised URI without credentials and options. Every CID whose
 * URI has this key shares the one mount or session.
 */
public record ConnectionKey(String value) implements Comparable<ConnectionKey> {
    public ConnectionKey {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("empty connection key");
        }
    }

    @Override
    public int compareTo(ConnectionKey o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
