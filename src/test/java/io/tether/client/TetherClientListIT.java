package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.api.Results;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paged list through the client library: a page at a time for a caller that pages, or the whole list. */
class TetherClientListIT {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void listPageGivesAPageAtATimeAndListTheWhole() throws Exception {
        try (TestWorker worker = new TestWorker("pages", tmp.resolve("data"));
             TetherClient client = TetherClient.connect(worker.url(), null, null)) {
            Path dir = Files.createDirectories(tmp.resolve("shared"));
            List<String> cids = List.of("page-1", "page-2", "page-3", "page-4", "page-5");
            for (String cid : cids) {
                client.manage("pages", cid, "file://" + dir, T);
            }
            client.manage("pages", "other-1", "file://" + dir, T);

            List<String> paged = new ArrayList<>();
            String after = null;
            int pages = 0;
            do {
                ListPage page = client.listPage("pages", "page-", after, 2, T);
                assertTrue(page.connections().size() <= 2, "a page holds at most its limit: " + page);
                paged.addAll(page.connections().keySet());
                after = page.next();
                pages++;
                // A worker that never ends its list would keep this loop going: 5 CIDs fit in far fewer pages.
                assertTrue(pages < 100, "the list ended: " + paged);
            } while (after != null);
            assertEquals(cids, paged, "every CID of the prefix once, in CID order");
            assertTrue(pages >= 3, "5 CIDs, 2 a page: " + pages + " pages");

            Results.StorageServerList whole = client.list("pages", "page-", T);
            assertEquals(cids, new ArrayList<>(whole.connections().keySet()));
            assertEquals("file://" + dir, whole.connections().get("page-5").connectionKey());

            Results.StorageServerList everything = client.list("pages", null, T);
            assertTrue(everything.connections().keySet().containsAll(cids), everything.toString());
            assertTrue(everything.connections().containsKey("other-1"), everything.toString());
            assertEquals(TetherClient.WaitOutcome.CONNECTED, client.awaitConnected("pages", "page-3", T).outcome());
        }
    }
}
