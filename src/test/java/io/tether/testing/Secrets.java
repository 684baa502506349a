package io.tether.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where secrets must not be found. */
public final class Secrets {
    /** A CHAP password, unique to this run, so that finding it anywhere proves a leak. */
    public static final String CHAP = "Chap-S3cret-" + System.nanoTime();
    /** A secret mount option's value, likewise. */
    public static final String MOUNT = "Mount-S3cret-" + System.nanoTime();
    /** An iSCSI URI with {@link #CHAP} as its password. */
    public static final String ISCSI_URI = "iscsi://chapuser%" + CHAP + "@target.example/iqn.2003-01.org.example:disk1/0?tpgt=1";
    /** A CIFS mount whose password option is {@link #MOUNT}. */
    public static final String CIFS_URI = "posix://server.example/share?vfsType=cifs&options=username=bob,password=" + MOUNT;

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
