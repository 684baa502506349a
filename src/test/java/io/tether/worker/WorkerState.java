package io.tether.worker;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.Incoming;
import io.tether.api.JsonRpc;
import io.tether.api.Reply;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.store.Store;
import io.tether.testing.TestWorker;
import io.tether.uri.ConnectionKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A worker's state without a broker or connectors: its real store in {@code dir}, the service and
 * the request path over it, started as a worker starts ({@link #start}), and started again on the
 * same files as after a stop or kill -9 (nothing more is recorded in between). For tests of what
 * the worker keeps and what it loads.
 */
final class WorkerState implements AutoCloseable {
    private final Path dir;
    private final SealingKey sealingKey;
    Store store;
    StorageService service;
    private RequestPath path;
    private int messages;
    /** The clock the next {@link #start} gives the service. */
    Clock clock = Clock.systemUTC();

    WorkerState(Path dir, SealingKey sealingKey) {
        this.dir = dir;
        this.sealingKey = sealingKey;
    }

    /** Opens the store as a starting worker does (closing it first if open); returns the keys handed to the reconciler. */
    Set<ConnectionKey> start() throws Exception {
        close();
        store = Store.open(dir.resolve("db"));
        service = new StorageService("state", store, clock, ActiveConnections.ofHost(dir.resolve("no-mounts")), () -> { });
        Set<ConnectionKey> keys = service.load();
        path = new RequestPath(new RequestCodec(MountPolicy.defaults(), TestWorker.FILE_ROOTS, sealingKey), service, store, k -> { });
        return keys;
    }

    /** Messages arriving together (one batch), each a new delivery; their replies in order. */
    List<JsonNode> send(String... bodies) throws Exception {
        List<Incoming> batch = new ArrayList<>();
        for (String body : bodies) {
            batch.add(new Incoming.Readable(body, Optional.of("msg:" + ++messages)));
        }
        List<JsonNode> replies = new ArrayList<>();
        for (Reply reply : path.handle(batch)) {
            replies.add(JsonRpc.MAPPER.readTree(((Reply.Send) reply).json()));
        }
        return replies;
    }

    /** One call with id 1. */
    JsonNode call(String method, String params) throws Exception {
        return send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}").get(0);
    }

    /** The list's connections. */
    JsonNode list() throws Exception {
        return call("getStorageServerList", "{}").get("result").get("connections");
    }

    @Override
    public void close() {
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
