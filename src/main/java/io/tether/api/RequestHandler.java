package io.tether.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.connection.InvalidUriException;
import io.tether.connection.StorageUri;
import io.tether.connection.UriParser;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path between the message and the state: decode the JSON-RPC body, validate each
 * call against its schema, turn it into a {@link Command} (opening a sealed URI with the host's
 * {@link SealingKey} on the way, so nothing after this point knows it was sealed), have
 * {@link Executor} run the commands as one unit of work, and render the response. Transport-free,
 * so it is tested without a broker. A manage whose URI asks for a mount this host's
 * {@link MountPolicy} does not allow is refused here, before anything is stored or run.
 */
public final class RequestHandler {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    /**
     * One message's work: its commands, the id that recognises it when it comes again, and how to
     * turn the commands' outcomes (result objects or {@link RpcError}s) into its reply.
     */
    public record Job(List<Command> commands, String requestId, Function<List<Object>, String> render) {
    }

    /** One message as it arrived: its body, or why it has none, and its identity (may be null). */
    public record Incoming(String body, RpcError unreadable, String requestId) {
    }

    /** Runs the commands of a batch of messages as one unit of work (see {@code worker.StorageService}). */
    public interface Executor {
        /**
         * Runs every job's commands atomically, renders each job's reply and records it with the
         * job's requestId in the same transaction, so a redelivered request gets the same reply.
         * Returns the replies in job order.
         */
        List<String> executeAll(List<Job> jobs);

        /** A reply already recorded for {@code requestId}, if the request was handled before. */
        java.util.Optional<String> recordedReply(String requestId);
    }

    private final Executor executor;
    private final MountPolicy mountPolicy;
    private final SealingKey sealingKey;

    /**
     * @param mountPolicy what a manage request may ask a mount for (the operator's configuration)
     * @param sealingKey  this host's key: opens {@code sealedUri}s and is what {@code getSealingKey} hands out
     */
    public RequestHandler(Executor executor, MountPolicy mountPolicy, SealingKey sealingKey) {
        this.executor = executor;
        this.mountPolicy = mountPolicy;
        this.sealingKey = sealingKey;
    }

    /** Handles one message body; see {@link #handleAll}. */
    public String handle(String body, String requestId) {
        return handleAll(List.of(new Incoming(body, null, requestId))).get(0);
    }

    /**
     * Handles the messages that arrived together, as one unit of work. Returns one response text
     * per message, or null where none is due (only notifications).
     */
    public List<String> handleAll(List<Incoming> messages) {
        String[] replies = new String[messages.size()];
        List<Job> jobs = new ArrayList<>();
        List<Integer> jobSlots = new ArrayList<>();
        // A client resending after a failover can put the same request twice into one batch: the
        // second copy gets the first one's reply instead of running again.
        Map<String, Integer> firstSlot = new HashMap<>();
        Map<Integer, Integer> copies = new HashMap<>();
        for (int m = 0; m < messages.size(); m++) {
            Incoming in = messages.get(m);
            if (in.unreadable() != null) {
                replies[m] = JsonRpc.write(JsonRpc.error(NullNode.instance, in.unreadable()));
                continue;
            }
            if (in.requestId() != null) {
                Integer first = firstSlot.putIfAbsent(in.requestId(), m);
                if (first != null) {
                    copies.put(m, first);
                    continue;
                }
                var recorded = executor.recordedReply(in.requestId());
                if (recorded.isPresent()) {
                    log.info("request {} was handled before; answering with its recorded reply", in.requestId());
                    replies[m] = recorded.get();
                    continue;
                }
            }
            Job job = toJob(in);
            if (job.commands().isEmpty()) {
                replies[m] = job.render().apply(List.of());
            } else {
                jobs.add(job);
                jobSlots.add(m);
            }
        }
        if (!jobs.isEmpty()) {
            List<String> done = executor.executeAll(jobs);
            for (int j = 0; j < done.size(); j++) {
                replies[jobSlots.get(j)] = done.get(j);
            }
        }
        copies.forEach((copy, first) -> replies[copy] = replies[first]);
        return Arrays.asList(replies);
    }

    private Job toJob(Incoming in) {
        JsonRpc.Message message = JsonRpc.decode(in.body());
        if (message.whole() != null) {
            String reply = JsonRpc.write(JsonRpc.error(NullNode.instance, message.whole()));
            return new Job(List.of(), in.requestId(), results -> reply);
        }
        List<JsonRpc.Entry> entries = message.entries();
        // Slot i holds entry i's outcome: an RpcError or a result known now, or the index of its command.
        Object[] outcomes = new Object[entries.size()];
        List<Command> commands = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonRpc.Entry entry = entries.get(i);
            if (entry instanceof JsonRpc.Invalid invalid) {
                outcomes[i] = invalid.error();
                continue;
            }
            JsonRpc.Call call = (JsonRpc.Call) entry;
            try {
                if (call.method().equals("getSealingKey")) {
                    // The key is not state: answered here, without the executor and its lock.
                    checkParams(call);
                    outcomes[i] = new Results.PublicSealingKey(sealingKey.publicJwk());
                    continue;
                }
                Command command = toCommand(call);
                outcomes[i] = commands.size();
                commands.add(command);
            } catch (RpcError e) {
                outcomes[i] = e;
            }
        }
        return new Job(commands, in.requestId(), results -> render(message, outcomes, results));
    }

    /** Every method of the wire contract, in the order an error lists them. */
    private static final List<String> METHODS =
            List.of("manageStorageServer", "unmanageStorageServer", "getStorageServerList", "getSealingKey");

    private Command toCommand(JsonRpc.Call call) throws RpcError {
        ObjectNode params = checkParams(call);
        switch (call.method()) {
            case "manageStorageServer" -> {
                String cid = params.get("connectionId").asText();
                boolean sealed = params.has("sealedUri");
                String text = sealed ? unseal(params.get("sealedUri").asText()) : params.get("uri").asText();
                StorageUri uri;
                try {
                    uri = UriParser.parse(text);
                } catch (InvalidUriException e) {
                    throw new RpcError(ErrorCode.UNSUPPORTED_URI, "unsupported uri: " + e.getMessage());
                }
                try {
                    mountPolicy.check(uri);
                } catch (MountPolicy.Refused e) {
                    log.warn("cid={} key={} refused: {}", JsonRpc.shorten(cid), uri.key(), e.getMessage());
                    throw RpcError.invalidParams(sealed ? "sealedUri" : "uri", e.getMessage());
                }
                return new Command.Manage(cid, uri);
            }
            case "unmanageStorageServer" -> {
                return new Command.Unmanage(text(params, "connectionId"), text(params, "connectionIdPrefix"));
            }
            case "getStorageServerList" -> {
                return new Command.GetList(text(params, "connectionIdPrefix"));
            }
            default -> throw new IllegalStateException("unreachable: " + call.method());
        }
    }

    /** The call's params, once the method is known and they match its request schema. */
    private static ObjectNode checkParams(JsonRpc.Call call) throws RpcError {
        if (!METHODS.contains(call.method())) {
            throw new RpcError(ErrorCode.METHOD_NOT_FOUND, "method not found: \""
                    + JsonRpc.shorten(call.method()) + "\"; methods are " + String.join(", ", METHODS));
        }
        if (!call.params().isObject()) {
            // JSON-RPC allows positional params; every method here takes named ones.
            throw RpcError.invalidParams("params", "params must be an object of named parameters");
        }
        ObjectNode params = (ObjectNode) call.params();
        Schemas.checkParams(call.method(), params);
        return params;
    }

    /**
     * The URI text inside a {@code sealedUri}, held to the same length limits as a clear {@code uri}.
     * Errors name {@code sealedUri} and carry the host's key id; none quotes the plaintext.
     */
    private String unseal(String sealed) throws RpcError {
        String uri;
        try {
            uri = sealingKey.unseal(sealed);
        } catch (SealingKey.UnsealException e) {
            throw RpcError.invalidParams("sealedUri", e.getMessage()).with("keyId", sealingKey.keyId());
        }
        int length = uri.codePointCount(0, uri.length());
        if (length < 1 || length > UriParser.MAX_URI) {
            throw RpcError.invalidParams("sealedUri", "the sealed URI has " + length + " characters; a URI has 1-"
                    + UriParser.MAX_URI).with("keyId", sealingKey.keyId());
        }
        return uri;
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
