package io.tether.api;

import com.fasterxml.jackson.databind.node.NullNode;

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

    /** The response to a request that could not be read as calls: {@code error}, with a null id. */
    static Reply error(RpcError error) {
        return new Send(JsonRpc.write(JsonRpc.error(NullNode.instance, error)));
    }
}
