package io.tether.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A connection key: never empty, shown as its value (logs, events), and ordered by it. */
class ConnectionKeyTest {

    @Test
    void aKeyIsNeverEmpty() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ConnectionKey("")).getMessage().contains("empty"));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionKey(null));
    }

    @Test
    void aKeyIsShownAsItsValue() {
        assertEquals("nfs://server/export", new ConnectionKey("nfs://server/export").toString());
    }

    @Test
    void keysSortByTheirValue() {
        ConnectionKey a = new ConnectionKey("iscsi://h/iqn.2001-04.com.example:d");
        ConnectionKey b = new ConnectionKey("nfs://a/export");
        ConnectionKey c = new ConnectionKey("nfs://b/export");

        assertEquals(List.of(a, b, c), Stream.of(c, a, b).sorted().toList());
        assertEquals(0, b.compareTo(new ConnectionKey("nfs://a/export")));
    }
}
