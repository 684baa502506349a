package io.tether.amqp;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

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

    /**
     * Reads a credentials file, or throws an IOException that says what is wrong with it. Only a
     * regular file, not a link, of root or this process's user, that nobody else may change, in a
     * directory nobody else controls: a login someone else planted would hand them what is sent with it.
     */
    public static BrokerCredentials read(Path file) throws IOException {
        String user = null;
        String password = null;
        String text = new String(TrustedPaths.read(file, Owner.ROOT_OR_SELF, "login file"), StandardCharsets.UTF_8);
        for (String line : text.lines().toList()) {
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
     * A new random password for {@code user}, written to {@code file} with mode 0600 (replacing what
     * was there in one step, so a reader sees the old login or the new one, never half of one).
     */
    public static BrokerCredentials writeNew(Path file, String user) throws IOException {
        BrokerCredentials fresh = new BrokerCredentials(user, randomPassword());
        TrustedPaths.replace(file, ("user=" + user + "\npassword=" + fresh.password + "\n").getBytes(StandardCharsets.UTF_8),
                TrustedPaths.PRIVATE_FILE);
        return fresh;
    }

    /**
     * The login in {@code file}, read again each time it is asked for: a client that reconnects
     * after the worker restarted gets the login the worker made then.
     */
    public static Supplier<BrokerCredentials> fromFile(Path file) {
        return () -> {
            try {
                return read(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** The first line of a password file ({@code --password-file}), without its line end. */
    public static String readPasswordFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    /** 256 random bits, URL-safe, so the password can also travel in a connection URL's query. */
    public static String randomPassword() {
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
