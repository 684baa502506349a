package io.tether.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A request message, decoded (the worker's {@code RequestCodec.decode}): its calls in order, each either
 * answered already or carrying the {@link Action} to run.
 *
 * @param batch whether the message was a JSON-RPC batch (its reply is then an array)
 */
public record Request(boolean batch, List<Part> parts) {
    /** The methods a worker answers (docs/protocol.md); any other is "method not found". */
    public static final List<String> METHODS =
            List.of("manageStorageServer", "unmanageStorageServer", "getStorageServerList", "getSealingKey");


    public Request {
        parts = List.copyOf(parts);
    }

    /** The actions to run, in order; the worker's {@code RequestCodec.encode} takes one outcome for each. */
    public List<Action> actions() {
        return parts.stream().filter(p -> p instanceof Part.ToRun).map(p -> ((Part.ToRun) p).action()).toList();
    }

    /** One call of the message. */
    public sealed interface Part {
        /** The id to answer with (JSON null when the call had none that could be read). */
        JsonNode id();

        /** A notification gets no response, even when it fails. */
        boolean notification();

        /** The method, for logs ("(invalid)" when the call had none). */
        String method();

        /** Answered at decoding: invalid, or a method that needs no state ({@code getSealingKey}). */
        record Answered(JsonNode id, boolean notification, String method, Outcome outcome) implements Part {
        }

        /** Answered by running {@code action} against the worker's state. */
        record ToRun(JsonNode id, boolean notification, String method, Action action) implements Part {
        }
    }
}
