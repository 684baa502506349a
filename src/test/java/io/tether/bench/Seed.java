package io.tether.bench;

import io.tether.connection.ManagedCid;
import io.tether.store.Store;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes managed CIDs straight into a worker's H2 database before the worker starts: far quicker
 * than managing them one request at a time, and the worker loads them exactly as after a restart.
 */
final class Seed {
    private Seed() {
    }

    /**
     * {@code cids} CIDs named {@code bench-<i>} on {@code connections} local directories under
     * {@code storage}. The first 100 directories are created, so up to 100 connections all connect;
     * beyond them directories are missing and those connections retry with backoff, as unreachable
     * servers would. Returns the data dir.
     */
    static Path cids(Path data, Path storage, int cids, int connections) throws Exception {
        for (int c = 0; c < Math.min(connections, 100); c++) {
            Files.createDirectories(storage.resolve("d" + c));
        }
        try (Store store = Store.open(data.resolve("db"))) {
            for (int start = 0; start < cids; start += 10_000) {
                try (Store.Transaction tx = store.begin()) {
                    for (int i = start; i < Math.min(cids, start + 10_000); i++) {
                        tx.insertCid(new ManagedCid("bench-" + i,
                                UriParser.parse("file://" + storage.resolve("d" + (i % connections))), Instant.now()));
                    }
                    tx.commit();
                }
            }
        }
        return data;
    }
}
