package io.tether.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import java.io.UncheckedIOException;

/**
 * How much list text the replies handled together may hold. Every page is cut to what is left, so
 * however many list requests arrive together, and however many CIDs the host has, the replies in
 * hand stay within one message's size, and the heap they take is bounded.
 */
public final class ListBudget {
    /** Bytes of list entries for all the replies handled together: under a message's 1,114,112. */
    public static final int BYTES = 768 * 1024;

    private final long bytes;
    private long left;

    public ListBudget() {
        this(BYTES);
    }

    ListBudget(long bytes) {
        this.bytes = bytes;
        this.left = bytes;
    }

    /** What is left now, to {@link #giveBack} to when the replies drawn since are thrown away. */
    long left() {
        return left;
    }

    /** Back to {@code left}: the replies drawn since it were not sent. */
    void giveBack(long left) {
        this.left = Math.max(this.left, left);
    }

    /** Whether nothing has been taken yet. */
    boolean untouched() {
        return left == bytes;
    }

    /** Takes {@code bytes} if that many are left. */
    boolean take(long bytes) {
        if (bytes > left) {
            return false;
        }
        left -= bytes;
        return true;
    }

    /** What an entry takes in a reply: its JSON. */
    static int bytes(Results.Entry entry) {
        try {
            return JsonRpc.MAPPER.writeValueAsBytes(entry).length;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
