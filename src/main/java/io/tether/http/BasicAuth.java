package io.tether.http;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the {@code Authorization: Basic} header of a request against the bcrypt hashes of the web
 * config's users. A bcrypt check costs tens of milliseconds by design; Prometheus sends the same
 * credentials every scrape, so a password once verified is remembered as its SHA-256 digest and
 * later compared in constant time, as the Prometheus exporters do.
 */
final class BasicAuth {
    private final Map<String, String> hashes;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

    BasicAuth(Map<String, String> hashes) {
        this.hashes = Map.copyOf(hashes);
    }

    /** Whether any login is asked for. */
    boolean required() {
        return !hashes.isEmpty();
    }

    /** Whether the header's user is one of the users and its password matches that user's hash. */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = credentials.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String user = credentials.substring(0, colon);
        String password = credentials.substring(colon + 1);
        String hash = hashes.get(user);
        if (hash == null) {
            return false;
        }
        byte[] digest = sha256(user + '\0' + password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return true;
        }
        if (BCrypt.verifyer().verify(password.toCharArray(), hash.toCharArray()).verified) {
            verified.put(user, digest);
            return true;
        }
        return false;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
