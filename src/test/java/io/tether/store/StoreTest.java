package io.tether.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.api.Reply;
import io.tether.files.UntrustedPathException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
        int total = Store.REPLIES_KEPT + 2_500;
        try (Store store = Store.open(dir)) {
            for (int first = 1; first <= total; first += 500) {
                try (Store.Transaction tx = store.begin()) {
                    for (int i = first; i < first + 500; i++) {
                        tx.recordReply("r" + i, new Reply.Send("reply " + i));
                    }
                    tx.commit();
                }
            }
            try (Store.Transaction tx = store.begin()) {
                tx.recordReply("rolled-back", new Reply.Send("never"));
                // closed without commit
            }
            assertRecent(store, total);
        }
        try (Store store = Store.open(dir)) {
            assertRecent(store, total);
            try (Store.Transaction tx = store.begin()) {
                tx.recordReply("after-reopening", Reply.NONE);
                tx.commit();
            }
            assertEquals(Optional.of(Reply.NONE), store.findReply("after-reopening"));
        }
    }

    private static void assertRecent(Store store, int total) {
        assertEquals(Optional.empty(), store.findReply("rolled-back"));
        assertEquals(Optional.empty(), store.findReply("r1"), "trimmed");
        assertEquals(Optional.empty(), store.findReply("r2000"), "trimmed");
        assertEquals(Optional.of(new Reply.Send("reply " + total)), store.findReply("r" + total));
        int oldestKept = total - Store.REPLIES_KEPT;
        assertEquals(Optional.of(new Reply.Send("reply " + oldestKept)), store.findReply("r" + oldestKept));
    }

    private static void append(Store store, long... seqs) {
        try (Store.Transaction tx = store.begin()) {
            for (long seq : seqs) {
                tx.appendEvent(seq, "{\"seq\":" + seq + "}");
            }
            tx.commit();
        }
    }
}
