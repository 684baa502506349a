package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.client.ManageBatch.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lines of manage -f: "CID URI" or a JSON object, comments and blanks skipped, a bad line named. */
class BatchFileTest {
    @Test
    void wordsAndJsonLinesMix() {
        assertEquals(List.of(new Entry("a", "file:///srv/a"), new Entry("b c", "nfs://s/e"), new Entry("d", "file:///srv/d x")),
                BatchFile.parse("f", "# CIDs\n\na  file:///srv/a\n{\"cid\": \"b c\", \"uri\": \"nfs://s/e\"}\r\n\td file:///srv/d x\n"));
    }

    @Test
    void aLineInErrorIsNamed() {
        assertEquals("f line 2: give 'CID URI', or a JSON object {\"cid\":..., \"uri\":...}",
                assertThrows(IllegalArgumentException.class, () -> BatchFile.parse("f", "a file:///a\nlonely\n")).getMessage());
        assertEquals("f line 1: not a JSON object {\"cid\": \"...\", \"uri\": \"...\"}",
                assertThrows(IllegalArgumentException.class, () -> BatchFile.parse("f", "{\"cid\": 1}")).getMessage());
        assertEquals("f holds no CID (one 'CID URI' a line)",
                assertThrows(IllegalArgumentException.class, () -> BatchFile.parse("f", "# nothing\n")).getMessage());
    }
}
