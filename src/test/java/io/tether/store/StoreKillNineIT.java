package io.tether.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.ManagedCid;
import io.tether.uri.UriParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit that has returned survives {@code kill -9} of the process that made it: every time, the
 * store opened after the kill holds the last CID and the last event that {@link Committer} said it
 * had committed. This is the promise a worker's reply rests on ("committed before the message is
 * acknowledged").
 *
 * <p>A worker's database reuses the space of chunks older than H2's retention time (45 s), so
 * within hours of running every commit writes into reused space. {@link Committer} shortens the
 * retention time to 100 ms, so that reuse starts within the first second, and each of the kills
 * below lands while commits write into reused space. H2 2.5.250 and 2.5.252 lose the last
 * commits this way; 2.4.240 does not (docs/reliability.md).
 */
class StoreKillNineIT {
    private static final int KILLS = Integer.getInteger("reliability.storeKills", 10);

    @TempDir
    Path tmp;

    @Test
    void everyCommitThatReturnedSurvivesKillNine() throws Exception {
        long seed = Long.getLong("reliability.seed", System.nanoTime());
        Random random = new Random(seed);
        Path dir = tmp.resolve("db");
        List<String> losses = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            long said = runAndKill(dir, 20 + random.nextInt(300));
            try (Store store = Store.open(dir)) {
                long seq = store.lastSeq();
                boolean cidThere = store.loadCids().managed().stream().anyMatch(m -> m.cid().equals(Committer.cid(said)));
                if (seq < said || !cidThere) {
                    losses.add("kill " + kill + ": committed up to " + said + ", found seq " + seq
                            + (cidThere ? "" : " without CID " + Committer.cid(said)));
                }
            }
        }
        assertEquals(List.of(), losses, "commits lost across kill -9 (seed " + seed + ")");
    }

    /**
     * Starts a {@link Committer} on {@code dir}, kills it with SIGKILL once it has said it committed
     * {@code commits} times, and returns the last seq it said it had committed.
     */
    private static long runAndKill(Path dir, int commits) throws Exception {
        Process committer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Committer.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        AtomicLong said = new AtomicLong(-1);
        AtomicLong count = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(committer.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    said.set(Long.parseLong(line.substring("committed ".length())));
                    count.incrementAndGet();
                }
            } catch (IOException gone) {
                // The process was killed: what it said before is all there is.
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofMinutes(2)).until(() -> count.get() >= commits || !committer.isAlive());
            assertTrue(committer.isAlive(), "the committer is still committing");
        } finally {
            committer.destroyForcibly(); // SIGKILL
            committer.waitFor(1, TimeUnit.MINUTES);
            reader.join(TimeUnit.MINUTES.toMillis(1));
        }
        return said.get();
    }

    /**
     * Commits a CID and its event, one commit after another, as fast as it can, printing
     * "committed N" once the commit of event N has returned; every third commit unmanages an earlier
     * CID and trims the published events, as a worker does.
     */
    static final class Committer {
        static String cid(long seq) {
            return "c-" + seq;
        }

        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            try (Store store = Store.open(dir);
                 Connection settings = DriverManager.getConnection(new StoreFiles(dir).url(true), "tether", "")) {
                // Space of freed chunks is reused within the first second, not after H2's 45 s.
                settings.createStatement().execute("SET RETENTION_TIME 100");
                String body = "{\"jsonrpc\":\"2.0\",\"method\":\"status\",\"params\":{\"pad\":\"" + "x".repeat(400) + "\"}}";
                for (long seq = store.lastSeq() + 1; ; seq++) {
                    List<RowChange> rows = new ArrayList<>();
                    rows.add(new RowChange.InsertCid(new ManagedCid(cid(seq), UriParser.parse("file:///srv/data/" + seq), Instant.now())));
                    if (seq % 3 == 0 && seq > 10) {
                        rows.add(new RowChange.DeleteCid(cid(seq - 10)));
                    }
                    store.commit(new Commit(rows, List.of(new OutboxEvent(seq, body, "CONNECTED", "STATE")), List.of()));
                    System.out.println("committed " + seq);
                    System.out.flush();
                    if (seq % 3 == 0) {
                        store.deletePublished(seq - 1);
                    }
                }
            }
        }
    }
}
