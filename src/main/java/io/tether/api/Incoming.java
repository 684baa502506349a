package io.tether.api;

/** One request message as it came off the queue, transport-free. */
public sealed interface Incoming {

    /**
     * A message with a text body.
     *
     * @param identity what names this delivery across redeliveries and client resends (the
     *                 correlation-id, else the message-id); empty when the message has neither
     */
    record Readable(String body, java.util.Optional<String> identity) implements Incoming {
    }

    /** A message whose body could not be read as text; answered with {@code why}. */
    record Unreadable(RpcError why) implements Incoming {
    }
}
