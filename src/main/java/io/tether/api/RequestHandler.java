package io.tether.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.connection.InvalidUriException;
import io.tether.connection.UriParser;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path between the message and the state: decode the JSON-RPC body, validate each
 * call against its schema, turn it into a {@link Command}, have {@link Executor} run the commands
 * as one unit of work, and render the response. Transport-free, so it is tested without a broker.
 */
public final class RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    /** Runs a message's commands as one unit of work (see {@code worker.StorageService}). */
    public interface Executor {
        /**
         * Runs {@code commands} atomically and returns one outcome each: a result object or an
         * {@link RpcError}. {@code render} turns the outcomes into the reply, which the executor
         * records with {@code requestId} in the same transaction, so a redelivered request gets the
         * same reply. Returns what {@code render} returned.
         */
        String execute(List<Command> commands, String requestId, Function<List<Object>, String> render);

        /** A reply already recorded for {@code requestId}, if the request was handled before. */
        java.util.Optional<String> recordedReply(String requestId);
    }

    private final Executor executor;

    public RequestHandler(Executor executor) {
        this.executor = executor;
    }

    /**
     * Handles one message body. Returns the response text, or null when none is due (only
     * notifications). {@code requestId} identifies the message for redelivery; null when unknown.
     */
    public String handle(String body, String requestId) {
        if (requestId != null) {
            var recorded = executor.recordedReply(requestId);
            if (recorded.isPresent()) {
                log.info("request {} was handled before a restart; answering with its recorded reply", requestId);
                return recorded.get();
            }
        }
        JsonRpc.Message message = JsonRpc.decode(body);
        if (message.whole() != null) {
            return JsonRpc.write(JsonRpc.error(NullNode.instance, message.whole()));
        }
        List<JsonRpc.Entry> entries = message.entries();
        // Slot i holds entry i's outcome: an RpcError now, or the index of its command.
        Object[] outcomes = new Object[entries.size()];
        List<Command> commands = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonRpc.Entry entry = entries.get(i);
            if (entry instanceof JsonRpc.Invalid invalid) {
                outcomes[i] = invalid.error();
                continue;
            }
            try {
                outcomes[i] = commands.size();
                commands.add(toCommand((JsonRpc.Call) entry));
            } catch (RpcError e) {
                outcomes[i] = e;
            }
        }
        Function<List<Object>, String> render = results -> render(message, outcomes, results);
        if (commands.isEmpty()) {
            return render.apply(List.of());
        }
        return executor.execute(commands, requestId, render);
    }

    private static final java.util.Set<String> METHODS =
            java.util.Set.of("manageStorageServer", "unmanageStorageServer", "getStorageServerList");

    private static Command toCommand(JsonRpc.Call call) throws RpcError {
        if (!METHODS.contains(call.method())) {
            throw new RpcError(ErrorCode.METHOD_NOT_FOUND, "method not found: \""
                    + JsonRpc.shorten(call.method())
                    + "\"; methods are manageStorageServer, unmanageStorageServer, getStorageServerList");
        }
        if (!call.params().isObject()) {
            // JSON-RPC allows positional params; every method here takes named ones.
            throw RpcError.invalidParams("params", "params must be an object of named parameters");
        }
        ObjectNode params = (ObjectNode) call.params();
        switch (call.method()) {
            case "manageStorageServer" -> {
                Schemas.checkParams(call.method(), params);
                try {
                    return new Command.Manage(params.get("connectionId").asText(),
                            UriParser.parse(params.get("uri").asText()));
                } catch (InvalidUriException e) {
                    throw new RpcError(ErrorCode.UNSUPPORTED_URI, "unsupported uri: " + e.getMessage());
                }
            }
            case "unmanageStorageServer" -> {
                Schemas.checkParams(call.method(), params);
                return new Command.Unmanage(text(params, "connectionId"), text(params, "connectionIdPrefix"));
            }
            case "getStorageServerList" -> {
                Schemas.checkParams(call.method(), params);
                return new Command.GetList(text(params, "connectionIdPrefix"));
            }
            default -> throw new IllegalStateException("unreachable: " + call.method());
        }
    }

    private static String text(ObjectNode params, String field) {
        JsonNode value = params.get(field);
        return value == null ? null : value.asText();
    }

    private static String render(JsonRpc.Message message, Object[] outcomes, List<Object> results) {
        List<ObjectNode> responses = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            JsonRpc.Entry entry = message.entries().get(i);
            Object outcome = outcomes[i] instanceof Integer index ? results.get(index) : outcomes[i];
            if (entry.isNotification()) {
                if (outcome instanceof RpcError e) {
                    log.info("notification {} failed: {}", methodOf(entry), e.getMessage());
                }
                continue;
            }
            responses.add(outcome instanceof RpcError e
                    ? JsonRpc.error(entry.id(), e)
                    : JsonRpc.result(entry.id(), outcome));
        }
        if (responses.isEmpty()) {
            return null;
        }
        return JsonRpc.write(message.batch() ? JsonRpc.array(responses) : responses.get(0));
    }

    private static String methodOf(JsonRpc.Entry entry) {
        return entry instanceof JsonRpc.Call call ? JsonRpc.shorten(call.method()) : "(invalid)";
    }
}
