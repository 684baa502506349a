package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.ErrorCode;
import io.tether.api.Results;
import io.tether.sealing.Sealer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Many CIDs managed on a host with one message, a JSON-RPC batch, which the worker runs in one
 * commit ({@link TetherClient#manageAll}). URIs with credentials go sealed, as with
 * {@link TetherClient#manage}; if the host turns out to have another key than the one they were
 * sealed with, those entries fail with its error, to be sent again. The whole fails as a manage
 * does when the host does not answer or the broker refuses the message.
 */
public final class ManageBatch {
    /** One CID to manage, with its storage URI. */
    public record Entry(String cid, String uri) {
    }

    /** The outcome of one {@link Entry}: the worker's result, or its error. */
    public record Outcome(String cid, Results.Managed managed, RpcException error) {
        public boolean ok() {
            return error == null;
        }
    }

    private final RpcChannel rpc;
    private final SealingKeys keys;
    private final List<Entry> entries;

    ManageBatch(RpcChannel rpc, SealingKeys keys, List<Entry> entries) {
        this.rpc = rpc;
        this.keys = keys;
        this.entries = List.copyOf(entries);
    }

    /** Sends the batch to {@code hostId}: with the host's sealing key first, if an entry needs it. */
    CompletableFuture<List<Outcome>> send(String hostId, Duration timeout) {
        if (entries.stream().noneMatch(e -> TetherClient.mayHoldSecret(e.uri()))) {
            return send(hostId, null, timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return keys.withKey(hostId, timeout, key -> send(hostId, key, SealingKeys.left(deadline)));
    }

    private CompletableFuture<List<Outcome>> send(String hostId, Sealer key, Duration timeout) {
        List<RpcChannel.Call> calls = entries.stream().map(e -> new RpcChannel.Call("manageStorageServer",
                key != null && TetherClient.mayHoldSecret(e.uri())
                        ? Map.of("connectionId", e.cid(), "sealedUri", key.seal(e.uri()))
                        : Map.of("connectionId", e.cid(), "uri", e.uri()))).toList();
        return rpc.batch(hostId, calls, timeout).thenApply(replies -> outcomes(hostId, replies));
    }

    /** Each entry's outcome, from its reply. */
    private List<Outcome> outcomes(String hostId, List<JsonNode> replies) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String cid = entries.get(i).cid();
            JsonNode reply = replies.get(i);
            if (reply == null) {
                outcomes.add(new Outcome(cid, null, RpcException.of(ErrorCode.INTERNAL_ERROR,
                        "host " + hostId + " answered the batch without a reply for this CID")));
            } else if (reply.has("error")) {
                outcomes.add(new Outcome(cid, null, new RpcException(reply.get("error"))));
            } else {
                outcomes.add(new Outcome(cid, Typed.as(reply.get("result"), Results.Managed.class), null));
            }
        }
        return outcomes;
    }
}
