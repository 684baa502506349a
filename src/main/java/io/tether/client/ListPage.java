package io.tether.client;

import io.tether.api.Results;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One page of a host's {@code getStorageServerList} ({@link TetherClient#listPage}): its entries
 * by CID, in CID order, as of event {@code seq}, and the cursor to the rest.
 *
 * @param seq the seq of the last event whose change this page holds; each page of a list has its own
 * @param connections the page's entries; may be empty on a page that is not the last
 * @param next the {@code after} of the next page; null on the last page
 */
public record ListPage(long seq, Map<String, Results.Entry> connections, String next) {
    /** Copies {@code connections}, keeping their order. */
    public ListPage {
        connections = Collections.unmodifiableMap(new LinkedHashMap<>(connections));
    }

    /** Whether this is the list's last page. */
    public boolean last() {
        return next == null;
    }
}
