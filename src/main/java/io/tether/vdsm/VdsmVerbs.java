package io.tether.vdsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.connector.VdsmError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VDSM's verbs in terms of Tether's: one JSON-RPC 2.0 call from VDSM's engine client in, its
 * answer out, in VDSM's shapes. {@code StoragePool.connectStorageServer} manages each connection
 * under {@code vdsm-<id>} through this host's worker (its own request path: recorded, committed,
 * published) and answers once each is connected or has failed, bounded by the timeout;
 * {@code disconnectStorageServer} unmanages. A host connection that another CID also holds stays
 * connected: the worker counts CIDs, whichever client made them.
 */
public final class VdsmVerbs {
    private static final Logger log = LoggerFactory.getLogger(VdsmVerbs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** JSON-RPC's "method not found", with VDSM's message for it. */
    static final int METHOD_NOT_FOUND = -32601;

    private final TetherClient tether;
    private final String hostId;
    private final Duration timeout;
    private final ExecutorService calls;

    /**
     * @param timeout how long a connect waits for its connections, and any call for the worker
     * @param calls   runs each connection's manage-and-wait, so one slow connection holds up no other
     */
    public VdsmVerbs(TetherClient tether, String hostId, Duration timeout, ExecutorService calls) {
        this.tether = tether;
        this.hostId = hostId;
        this.timeout = timeout;
        this.calls = calls;
    }

    /** The answer to one request; null for a notification (no id), which VDSM does not answer. */
    public ObjectNode answer(JsonNode request) throws InterruptedException {
        JsonNode id = request.get("id");
        String method = request.path("method").asText("");
        JsonNode params = request.path("params");
        JsonNode result = switch (method) {
            case "Host.ping2", "Host.confirmConnectivity" -> JSON.getNodeFactory().booleanNode(true);
            case "StoragePool.connectStorageServer" -> connect(params);
            case "StoragePool.disconnectStorageServer" -> disconnect(params);
            default -> null;
        };
        if (id == null || id.isNull()) {
            return null;
        }
        ObjectNode reply = JSON.createObjectNode().put("jsonrpc", "2.0");
        if (result == null) {
            reply.putObject("error").put("code", METHOD_NOT_FOUND)
                    .put("message", "The method does not exist or is not available: {'method': '" + method + "'}");
        } else {
            reply.set("result", result);
        }
        reply.set("id", id);
        return reply;
    }

    /** VDSM's {@code statuslist}: one {@code {id, status}} per connection, status 0 or VDSM's error number. */
    private ArrayNode connect(JsonNode params) throws InterruptedException {
        Optional<DomainType> type = DomainType.of(params.path("domainType").asInt(-1));
        List<CompletableFuture<Integer>> statuses = new ArrayList<>();
        List<VdsmConnection> connections = connections(params);
        for (VdsmConnection connection : connections) {
            statuses.add(CompletableFuture.supplyAsync(() -> connectOne(type, connection), calls));
        }
        ArrayNode list = JSON.createArrayNode();
        for (int i = 0; i < connections.size(); i++) {
            list.addObject().put("id", connections.get(i).id()).put("status", join(statuses.get(i)));
        }
        return list;
    }

    private int connectOne(Optional<DomainType> type, VdsmConnection connection) {
        if (type.isEmpty()) {
            log.warn("VDSM connect of {}: domainType is not one of VDSM's", connection.cid());
            return VdsmError.StorageServerValidationError.code();
        }
        if (type.get() == DomainType.FCP) {
            // VDSM connects nothing for FCP either (its LUNs are there without a connection) and answers 0.
            log.info("VDSM connect of {}: FCP, nothing to connect", connection.cid());
            return 0;
        }
        String uri;
        try {
            uri = VdsmUris.toUri(type.get(), connection);
        } catch (VdsmUris.UnmappableException e) {
            log.warn("VDSM connect of {} not managed: {}", connection.cid(), e.getMessage());
            return VdsmError.StorageServerValidationError.code();
        }
        try {
            tether.manage(hostId, connection.cid(), uri, timeout);
            TetherClient.WaitResult waited = tether.tryOnce(hostId, connection.cid(), timeout);
            return switch (waited.outcome()) {
                case CONNECTED -> 0;
                case FAILED -> ConnectStatus.of(type.get(),
                        waited.lastError().path("code").asInt(VdsmError.StorageServerConnectionError.code()));
                case UNMANAGED, TIMEOUT -> ConnectStatus.of(type.get(), VdsmError.StorageServerConnectionError.code());
            };
        } catch (RpcException e) {
            log.warn("VDSM connect of {} refused by the worker: {}", connection.cid(), e.getMessage());
            return VdsmError.StorageServerConnectionError.code();
        } catch (Exception e) {
            log.warn("VDSM connect of {} not answered by the worker: {}", connection.cid(), e.toString());
            return VdsmError.GeneralException.code();
        }
    }

    private ArrayNode disconnect(JsonNode params) throws InterruptedException {
        ArrayNode list = JSON.createArrayNode();
        for (VdsmConnection connection : connections(params)) {
            try {
                tether.unmanage(hostId, connection.cid(), timeout);
            } catch (RpcException e) {
                // Not managed (any more): VDSM answers 0 for a connection it does not have.
                log.info("VDSM disconnect of {}: {}", connection.cid(), e.getMessage());
            } catch (Exception e) {
                log.warn("VDSM disconnect of {} not answered by the worker: {}", connection.cid(), e.toString());
                list.addObject().put("id", connection.id()).put("status", VdsmError.StorageServerDisconnectionError.code());
                continue;
            }
            list.addObject().put("id", connection.id()).put("status", 0);
        }
        return list;
    }

    private static List<VdsmConnection> connections(JsonNode params) {
        List<VdsmConnection> connections = new ArrayList<>();
        params.path("connectionParams").forEach(entry -> connections.add(VdsmConnection.from(entry)));
        return connections;
    }

    private static int join(CompletableFuture<Integer> status) throws InterruptedException {
        try {
            return status.get();
        } catch (java.util.concurrent.ExecutionException e) {
            return VdsmError.GeneralException.code();
        }
    }
}
