package io.tether.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.RequestHandler;
import io.tether.connector.ActiveConnections;
import io.tether.connector.MountPolicy;
import io.tether.sealing.SealingKey;
import io.tether.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request redelivered after a crash (same message id and body) is answered with the reply it got
 * the first time and not run again; the record survives reopening the database.
 */
class RedeliveryTest {
    @TempDir
    Path tmp;

    @Test
    void aRedeliveredRequestGetsItsFirstReply() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("storage"));
        String manage = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"manageStorageServer\",\"params\":{\"connectionId\":\"r-1\",\"uri\":\"file://" + dir + "\"}}";
        String unmanage = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"unmanageStorageServer\",\"params\":{\"connectionId\":\"r-1\"}}";
        String first;
        try (Store store = Store.open(tmp.resolve("db"))) {
            RequestHandler handler = handler(store);
            handler.handle(manage, "msg-1#a");
            first = handler.handle(unmanage, "msg-2#b");
            assertTrue(first.contains("\"unmanaged\":[\"r-1\"]"), first);
            // Run again as a new message, it would be CID_NOT_FOUND; as a redelivery it is the same success.
            assertTrue(handler.handle(unmanage, "msg-3#c").contains("CID_NOT_FOUND"));
            assertEquals(first, handler.handle(unmanage, "msg-2#b"));
        }
        try (Store store = Store.open(tmp.resolve("db"))) {
            assertEquals(first, handler(store).handle(unmanage, "msg-2#b"));
            assertTrue(store.loadCids().isEmpty(), "the redelivered manage did not run again either");
            assertTrue(handler(store).handle(manage, "msg-1#a").contains("\"alreadyManaged\":false"));
            assertTrue(store.loadCids().isEmpty());
        }
    }

    private RequestHandler handler(Store store) throws Exception {
        StorageService service = new StorageService("redeliver", store, Clock.systemUTC(), ActiveConnections.ofHost(Path.of("/nonexistent")), () -> { });
        service.load();
        return new RequestHandler(service, MountPolicy.defaults(), SealingKey.open(tmp.resolve("sealing-key.jwk")));
    }
}
