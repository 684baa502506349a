package io.tether.api;

/**
 * What a request message is answered with: a JSON-RPC response text, or nothing when every call
 * in it was a notification. The request log keeps either, so that a redelivered notification is
 * recognised as handled too.
 */
public sealed interface Reply {

    /** No response is due. */
    Reply NONE = new None();

    /** A response to send to the request's reply-to. */
    record Send(String json) implements Reply {
    }

    /** Only notifications: nothing is sent. */
    record None() implements Reply {
    }
}
