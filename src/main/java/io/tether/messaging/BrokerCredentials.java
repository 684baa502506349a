package io.tether.messaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * A broker login: user and password. The embedded broker's logins live in files of the worker's
 * data dir, two lines {@code user=...} and {@code password=...}, mode 0600, so that only the user
 * the worker runs as (root on a host) can read them; a client on the same machine reads the same
 * file (docs/protocol.md, "Logging in").
 */
public record BrokerCredentials(String user, String password) {
    private static final SecureRandom RANDOM = new SecureRandom();

    public BrokerCredentials {
        Objects.requireNonNull(user);
        Objects.requireNonNull(password);
    }

    /** Reads a credentials file, or throws an IOException that says what is wrong with it. */
    public static BrokerCredentials read(Path file) throws IOException {
        String user = null;
        String password = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("user=")) {
                user = line.substring(5);
            } else if (line.startsWith("password=")) {
                password = line.substring(9);
            }
        }
        if (user == null || password == null || user.isEmpty() || password.isEmpty()) {
            throw new IOException(file + " must hold two lines, user=... and password=...");
        }
        return new BrokerCredentials(user, password);
    }

    /**
     * The credentials in {@code file}; on first use, a random password for {@code user} written
     * there with mode 0600. A file that names another user is an error: a client may already rely on it.
     */
    public static BrokerCredentials loadOrCreate(Path file, String user) throws IOException {
        if (!Files.exists(file)) {
            BrokerCredentials fresh = new BrokerCredentials(user, randomPassword());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, "user=" + user + "\npassword=" + fresh.password + "\n", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException raced) {
                // Another process made it first; use theirs.
            }
        }
        // Whatever made the file, only the owner may read it.
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        BrokerCredentials stored = read(file);
        if (!stored.user.equals(user)) {
            throw new IOException(file + " is for user " + stored.user + ", expected " + user);
        }
        return stored;
    }

    /** 256 random bits, URL-safe, so the password can also travel in a connection URL's query. */
    static String randomPassword() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Hides the password from logs. */
    @Override
    public String toString() {
        return "BrokerCredentials[user=" + user + ", password=***]";
    }
}
