package io.tether.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.Reply;
import io.tether.files.UntrustedPathException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event seq and the request log across commits, rollbacks, trims and reopening. */
class StoreTest {
    @TempDir
    Path dir;

    /** A credential key planted as a link (to a key someone else holds) is refused: the store does not open. */
    @Test
    void aCredentialKeyThatIsALinkIsRefused() throws Exception {
        Path theirs = Files.write(dir.resolve("theirs.key"), new byte[32]);
        Path db = Files.createDirectories(dir.resolve("db"));
        Files.createSymbolicLink(db.resolve("credentials.key"), theirs);
        assertThrows(UntrustedPathException.class, () -> Store.open(db));
    }

    @Test
    void lastSeqSurvivesReopeningWithAFullOrATrimmedOutbox() throws Exception {
        try (Store store = Store.open(dir)) {
            assertEquals(0, store.lastSeq());
            append(store, 1, 2, 3);
            assertEquals(3, store.lastSeq());
        }
        try (Store store = Store.open(dir)) {
            assertEquals(3, store.lastSeq(), "from the outbox");
            store.deletePublished(3);
            assertEquals(0, store.pendingEvents(0, 10).size());
            assertEquals(3, store.lastSeq(), "recorded by the trim");
        }
        try (Store store = Store.open(dir)) {
            assertEquals(3, store.lastSeq(), "outbox empty after reopening");
            append(store, 4, 5);
            store.deletePublished(4);
        }
        try (Store store = Store.open(dir)) {
            assertEquals(5, store.lastSeq(), "an untrimmed event above the trimmed ones");
            assertEquals(5, store.pendingEvents(0, 10).get(0).seq());
        }
    }

    @Test
    void requestLogKeepsTheRecentRepliesOfCommittedTransactionsOnly() throws Exception {
        int total = RequestLog.REPLIES_KEPT + 2_500;
        try (Store store = Store.open(dir)) {
            for (int first = 1; first <= total; first += 500) {
                List<Commit.LoggedReply> replies = new ArrayList<>();
                for (int i = first; i < first + 500; i++) {
                    replies.add(new Commit.LoggedReply("r" + i, new Reply.Send("reply " + i)));
                }
                store.commit(new Commit(List.of(), List.of(), replies));
            }
            // The second reply's id is longer than the column takes: the commit fails, the first reply's row too.
            assertThrows(StoreException.class, () -> store.commit(new Commit(List.of(), List.of(), List.of(
                    new Commit.LoggedReply("rolled-back", new Reply.Send("never")),
                    new Commit.LoggedReply("x".repeat(2_000), new Reply.Send("never"))))));
            assertRecent(store, total);
        }
        try (Store store = Store.open(dir)) {
            assertRecent(store, total);
            store.commit(new Commit(List.of(), List.of(), List.of(new Commit.LoggedReply("after-reopening", Reply.NONE))));
            assertEquals(Optional.of(Reply.NONE), store.findReply("after-reopening"));
        }
    }

    private static void assertRecent(Store store, int total) {
        assertEquals(Optional.empty(), store.findReply("rolled-back"));
        assertEquals(Optional.empty(), store.findReply("r1"), "trimmed");
        assertEquals(Optional.empty(), store.findReply("r2000"), "trimmed");
        assertEquals(Optional.of(new Reply.Send("reply " + total)), store.findReply("r" + total));
        int oldestKept = total - RequestLog.REPLIES_KEPT;
        assertEquals(Optional.of(new Reply.Send("reply " + oldestKept)), store.findReply("r" + oldestKept));
    }

    /**
     * An event the V3 schema wrote and nobody published keeps its state and change when the store
     * is migrated to V4: the publisher's selectors for it are what its body says.
     */
    @Test
    void anEventWrittenBeforeTheOutboxKeptSelectorsIsPublishedWithThem() throws Exception {
        StoreFiles files = new StoreFiles(dir);
        Flyway.configure().dataSource(files.url(false), "tether", "").locations("classpath:db/migration")
                .target("3").load().migrate();
        String body = "{\"jsonrpc\":\"2.0\",\"method\":\"statusChanged\",\"params\":{\"hostId\":\"h\",\"seq\":7,"
                + "\"connectionInfo\":{\"state\":\"not this\",\"change\":\"nor this\"},\"state\":\"CONNECTING\","
                + "\"lastError\":null,\"change\":\"MANAGED\"}}";
        try (Connection db = DriverManager.getConnection(files.url(true), "tether", "");
             PreparedStatement ps = db.prepareStatement("INSERT INTO event_outbox (seq, body) VALUES (7, ?)")) {
            ps.setString(1, body);
            ps.executeUpdate();
        }
        try (Store store = Store.open(dir)) {
            assertEquals(List.of(new OutboxEvent(7, body, "CONNECTING", "MANAGED")), store.pendingEvents(0, 10));
            assertEquals(7, store.lastSeq());
            store.commit(new Commit(List.of(), List.of(new OutboxEvent(8, "{}", "CONNECTED", "STATE")), List.of()));
            assertEquals(new OutboxEvent(8, "{}", "CONNECTED", "STATE"), store.pendingEvents(7, 10).get(0));
        }
        try (Stream<Path> backups = Files.list(files.backups())) {
            assertTrue(backups.anyMatch(b -> b.getFileName().toString().startsWith("before-V5-from-V3")),
                    "backed up before the migration");
        }
    }

    private static void append(Store store, long... seqs) {
        List<OutboxEvent> events = new ArrayList<>();
        for (long seq : seqs) {
            events.add(new OutboxEvent(seq, "{\"seq\":" + seq + "}", "CONNECTED", "STATE"));
        }
        store.commit(new Commit(List.of(), events, List.of()));
    }
}
