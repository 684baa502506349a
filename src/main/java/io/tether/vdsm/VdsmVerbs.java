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
import java.util.concurrent.ExecutionException;
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
    /** JSON-RPC's "parse error": the body is not JSON. */
    static final int PARSE_ERROR = -32700;
    /** JSON-RPC's "invalid request": JSON, but not a request object. */
    static final int INVALID_REQUEST = -32600;
    /** VDSM's {@code InvalidParameterException}: what a call with parameters VDSM would refuse gets. */
    static final int INVALID_PARAMETER = 1000;

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

    /**
     * The answer to one request as it came off the wire; null for a notification (no id), which
     * VDSM does not answer. A body that is not JSON gets JSON-RPC's parse error with a null id, as
     * VDSM's own server answers it.
     */
    public ObjectNode answer(String body) throws InterruptedException {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (java.io.IOException e) {
            return error(null, PARSE_ERROR, "Parse error: the request is not JSON");
        }
        if (request == null || !request.isObject()) {
            return error(null, INVALID_REQUEST, "Invalid request: not a JSON-RPC request object");
        }
        return answer(request);
    }

    /** The answer to one request; null for a notification (no id), which VDSM does not answer. */
    public ObjectNode answer(JsonNode request) throws InterruptedException {
        JsonNode id = request.get("id");
        String method = request.path("method").asText("");
        JsonNode params = request.path("params");
        JsonNode result;
        try {
            result = switch (method) {
                case "Host.ping2", "Host.confirmConnectivity" -> JSON.getNodeFactory().booleanNode(true);
                case "StoragePool.connectStorageServer" -> connect(params);
                case "StoragePool.disconnectStorageServer" -> disconnect(params);
                default -> null;
            };
        } catch (IllegalArgumentException e) {
            return id == null || id.isNull() ? null : error(id, INVALID_PARAMETER, "Invalid parameter: " + e.getMessage());
        }
        if (id == null || id.isNull()) {
            return null;
        }
        if (result == null) {
            return error(id, METHOD_NOT_FOUND, "The method does not exist or is not available: {'method': '" + method + "'}");
        }
        ObjectNode reply = JSON.createObjectNode().put("jsonrpc", "2.0");
        reply.set("result", result);
        reply.set("id", id);
        return reply;
    }

    private static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode reply = JSON.createObjectNode().put("jsonrpc", "2.0");
        reply.putObject("error").put("code", code).put("message", message);
        reply.set("id", id == null ? JSON.getNodeFactory().nullNode() : id);
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

    /** The call's connections; refused as a whole, as VDSM's validation does, when one has no id. */
    private static List<VdsmConnection> connections(JsonNode params) {
        JsonNode given = params.path("connectionParams");
        if (!given.isArray()) {
            throw new IllegalArgumentException("connectionParams must be a list of connections");
        }
        List<VdsmConnection> connections = new ArrayList<>();
        for (JsonNode entry : given) {
            if (!entry.isObject()) {
                throw new IllegalArgumentException("each of connectionParams must be an object");
            }
            VdsmConnection connection = VdsmConnection.from(entry);
            if (connection.id() == null) {
                throw new IllegalArgumentException("a connection of connectionParams has no id");
            }
            connections.add(connection);
        }
        return connections;
    }

    private static int join(CompletableFuture<Integer> status) throws InterruptedException {
        try {
            return status.get();
        } catch (ExecutionException e) {
            return VdsmError.GeneralException.code();
        }
    }
}
