package io.tether.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class GuestFailureReportTest {
    @TempDir
    Path dir;

    /** A failure carries the console's last 60 lines and the guest's log; the failure itself is what is thrown. */
    @Test
    void failureCarriesTheGuestsWords() throws Exception {
        Files.writeString(dir.resolve("console.log"), IntStream.rangeClosed(1, 100).mapToObj(i -> "console " + i)
                .collect(Collectors.joining("\n")) + "\n");
        Files.writeString(dir.resolve("guest.log"), "modprobe: nfsd not found\n");
        AssertionError failure = new AssertionError("expected CONNECTED");
        Throwable thrown = assertThrows(AssertionError.class,
                () -> new GuestFailureReport(dir).handleTestExecutionException(null, failure));
        assertSame(failure, thrown);
        assertEquals(1, failure.getSuppressed().length);
        String words = failure.getSuppressed()[0].getMessage();
        assertTrue(words.contains("--- console.log, its last 60 lines\nconsole 41\n"), words);
        assertTrue(words.contains("console 100\n--- guest.log\nmodprobe: nfsd not found\n"), words);
        assertTrue(!words.contains("console 40\n"), words);
    }

    /** A skip (no QEMU outside CI) is passed on untouched; a missing log is named, not a second failure. */
    @Test
    void skipUntouchedAndMissingLogNamed() throws Exception {
        TestAbortedException skip = new TestAbortedException("needs root");
        assertSame(skip, assertThrows(TestAbortedException.class,
                () -> new GuestFailureReport(dir).handleBeforeAllMethodExecutionException(null, skip)));
        assertEquals(0, skip.getSuppressed().length);
        IllegalStateException failure = new IllegalStateException("boot");
        assertThrows(IllegalStateException.class, () -> new GuestFailureReport(dir).handleBeforeAllMethodExecutionException(null, failure));
        assertTrue(failure.getSuppressed()[0].getMessage().contains("--- console.log: not readable"), failure.getSuppressed()[0].getMessage());
    }
}
