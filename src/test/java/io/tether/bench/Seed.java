package io.tether.bench;

import io.tether.connection.ManagedCid;
import io.tether.store.Commit;
import io.tether.store.RowChange;
import io.tether.store.Store;
import io.tether.uri.UriParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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
                List<RowChange> rows = new ArrayList<>();
                for (int i = start; i < Math.min(cids, start + 10_000); i++) {
                    rows.add(new RowChange.InsertCid(new ManagedCid("bench-" + i,
                            UriParser.parse("file://" + storage.resolve("d" + (i % connections))), Instant.now())));
                }
                store.commit(new Commit(rows, List.of(), List.of()));
            }
        }
        return data;
    }
}
