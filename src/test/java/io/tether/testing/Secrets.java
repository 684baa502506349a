package io.tether.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where secrets must not be found. */
public final class Secrets {
    private Secrets() {
    }

    /**
     * Reads every file under {@code dir} as bytes ({@code grep -a}): no secret is there, while
     * {@code control} (a CID, sent in clear in the same requests) is, so the files read do hold the
     * requests.
     */
    public static void assertInNoFile(Path dir, String control, String... secrets) throws Exception {
        boolean controlFound = false;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String secret : secrets) {
                    assertFalse(content.contains(secret), "a secret in clear in " + file);
                }
                controlFound |= content.contains(control);
            }
        }
        assertTrue(controlFound, "no file under " + dir + " holds the requests (" + control + ")");
    }
}
