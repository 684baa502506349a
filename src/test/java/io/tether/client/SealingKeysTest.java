package io.tether.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tether.sealing.Sealer;
import io.tether.sealing.SealingKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key pinned with a source is read when a URI is first sealed for its host, once, and never
 * fetched through the broker: these keys have no channel at all, so a fetch would fail the test.
 */
class SealingKeysTest {
    @TempDir
    Path tmp;

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private Sealer sealer() throws Exception {
        return Sealer.fromJwk(SealingKey.open(tmp.resolve("key.jwk")).publicJwk());
    }

    @Test
    void aPinnedSourceIsReadOnceAtTheFirstSealAndNotBefore() throws Exception {
        Sealer key = sealer();
        AtomicInteger reads = new AtomicInteger();
        SealingKeys keys = new SealingKeys(null);
        keys.pin("h1", () -> {
            reads.incrementAndGet();
            return key;
        });
        assertEquals(0, reads.get());
        for (int i = 0; i < 2; i++) {
            assertSame(key, keys.withKey("h1", TIMEOUT, CompletableFuture::completedFuture).get());
        }
        assertEquals(1, reads.get());
    }

    @Test
    void whatTheSourceThrowsTheSealThrows() {
        SealingKeys keys = new SealingKeys(null);
        keys.pin("h1", () -> {
            throw new IllegalArgumentException("cannot use the sealing key in somewhere: no");
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> keys.withKey("h1", TIMEOUT, CompletableFuture::completedFuture));
        assertEquals("cannot use the sealing key in somewhere: no", e.getMessage());
    }

    @Test
    void aKeyPinnedLaterReplacesTheSource() throws Exception {
        Sealer key = sealer();
        SealingKeys keys = new SealingKeys(null);
        keys.pin("h1", () -> {
            throw new AssertionError("the source of a replaced pin is not read");
        });
        keys.pin("h1", key);
        assertSame(key, keys.withKey("h1", TIMEOUT, CompletableFuture::completedFuture).get());
    }
}
