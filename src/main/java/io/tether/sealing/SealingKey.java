package io.tether.sealing;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.RSADecrypter;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import io.tether.uri.Text;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * This host's key pair for sealed secrets. Engines encrypt a URI that carries credentials to its
 * public half, so the secret crosses the broker, and rests in the broker's journal, only as
 * ciphertext; only this worker can read it. The private half is a JWK file in the data dir, mode
 * 0600, made at the first start and kept across restarts, so the key id engines cache stays valid.
 *
 * <p>A sealed URI is a JWE (RFC 7516) in compact serialization with {@code alg} {@link #ALGORITHM},
 * {@code enc} {@link #ENCRYPTION} and {@code kid} this key's {@link #keyId()}; {@link Sealer} makes one.
 */
public final class SealingKey {
    /** The key management algorithm, the only one accepted. */
    public static final JWEAlgorithm ALGORITHM = JWEAlgorithm.RSA_OAEP_256;
    /** The content encryption, the only one accepted. */
    public static final EncryptionMethod ENCRYPTION = EncryptionMethod.A256GCM;
    /** Size of a new key; a key file with a smaller key than {@link #MIN_BITS} is refused. */
    static final int BITS = 3072;
    static final int MIN_BITS = 2048;

    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private final RSAKey key;
    private final RSAKey publicKey;
    private final String keyId;
    private final RSADecrypter decrypter;

    private SealingKey(RSAKey key) throws JOSEException {
        this.keyId = key.computeThumbprint().toString();
        // The stored kid is not trusted: the key id is always the thumbprint of the key itself.
        this.key = new RSAKey.Builder(key).keyID(keyId).keyUse(KeyUse.ENCRYPTION).algorithm(ALGORITHM).build();
        this.publicKey = this.key.toPublicJWK();
        this.decrypter = new RSADecrypter(this.key);
    }

    /**
     * Loads the key pair at {@code keyFile}, creating it (0600) on first use. The file must be this
     * process's user's, not a link, and writable by nobody else: a key someone else put there would
     * open what engines seal for this host to them.
     */
    public static SealingKey open(Path keyFile) throws IOException {
        if (Files.notExists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            create(keyFile);
        }
        TrustedPaths.ownFile(keyFile, "sealing key", TrustedPaths.PRIVATE_FILE);
        RSAKey stored;
        try {
            stored = RSAKey.parse(new String(TrustedPaths.read(keyFile, Owner.SELF, "sealing key"), StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IOException("sealing key " + keyFile + " is not an RSA JWK; remove it to make a new key"
                    + " (engines then fetch the new one)");
        }
        if (!stored.isPrivate() || stored.size() < MIN_BITS) {
            throw new IOException("sealing key " + keyFile + " must be a private RSA key of at least " + MIN_BITS
                    + " bits; remove it to make a new key (engines then fetch the new one)");
        }
        try {
            return new SealingKey(stored);
        } catch (JOSEException e) {
            throw new IOException("sealing key " + keyFile + " is not usable: " + e.getMessage());
        }
    }

    /**
     * Writes a new key pair to a new file of mode 0600 and renames it into place, so a crash never
     * leaves a half-written key behind.
     */
    private static void create(Path keyFile) throws IOException {
        RSAKey fresh;
        try {
            fresh = new RSAKeyGenerator(BITS).keyUse(KeyUse.ENCRYPTION).algorithm(ALGORITHM)
                    .keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IOException("making a sealing key failed: " + e.getMessage());
        }
        TrustedPaths.replace(keyFile, fresh.toJSONString().getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
    }

    /** The key id ({@code kid}): the RFC 7638 SHA-256 thumbprint of the public key, base64url. */
    public String keyId() {
        return keyId;
    }

    /** The public key as a JWK: {@code kty, n, e, kid, use: "enc", alg: "RSA-OAEP-256"}. */
    public Map<String, Object> publicJwk() {
        return publicKey.toJSONObject();
    }

    /** {@link #publicJwk()} as JSON text. */
    public String publicJwkJson() {
        return publicKey.toJSONString();
    }

    /**
     * Writes the public JWK to {@code file} (mode 0644), for operators who hand it to engines
     * out of band; replaced at every start so it always matches the key.
     */
    public void writePublicJwk(Path file) throws IOException {
        // Readable by all whatever the process's umask: it is public, and tools may read it.
        TrustedPaths.replace(file, (publicJwkJson() + "\n").getBytes(StandardCharsets.UTF_8), READABLE);
    }

    /**
     * Opens a sealed URI. The reason of a failure says what is wrong with the JWE and never quotes
     * what it holds.
     *
     * @throws UnsealException not a JWE, another alg or enc, another key, or it does not decrypt
     */
    public String unseal(String compact) throws UnsealException {
        JWEObject jwe;
        try {
            jwe = JWEObject.parse(compact);
        } catch (ParseException | RuntimeException e) {
            // RuntimeException too: the parser throws a NullPointerException for a header without enc.
            throw new UnsealException("is not a JWE in compact serialization (five base64url parts separated by"
                    + " dots, the first a JWE header)");
        }
        JWEHeader header = jwe.getHeader();
        if (!ALGORITHM.equals(header.getAlgorithm())) {
            throw new UnsealException("uses alg " + shown(header.getAlgorithm().getName()) + "; seal with alg "
                    + ALGORITHM + " and enc " + ENCRYPTION);
        }
        if (!ENCRYPTION.equals(header.getEncryptionMethod())) {
            throw new UnsealException("uses enc " + shown(header.getEncryptionMethod().getName()) + "; seal with alg "
                    + ALGORITHM + " and enc " + ENCRYPTION);
        }
        if (header.getCompressionAlgorithm() != null) {
            throw new UnsealException("is compressed (zip); seal the URI uncompressed");
        }
        if (!keyId.equals(header.getKeyID())) {
            throw new UnsealException((header.getKeyID() == null ? "names no key id (kid)"
                    : "is sealed for key id " + shown(header.getKeyID()))
                    + ", not for this host's key " + keyId + ": fetch the host's key again with getSealingKey");
        }
        try {
            jwe.decrypt(decrypter);
        } catch (JOSEException | IllegalStateException e) {
            throw new UnsealException("does not decrypt with this host's key " + keyId
                    + " (damaged or altered on the way)");
        }
        try {
            return Text.decodeUtf8Strictly(jwe.getPayload().toBytes());
        } catch (CharacterCodingException e) {
            throw new UnsealException("decrypts to bytes that are not UTF-8 text; seal the URI's text in UTF-8");
        }
    }

    /** A header value from the sender, cut short and printable, for an error message. */
    private static String shown(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "?");
        return "\"" + (printable.length() > 64 ? printable.substring(0, 64) + "..." : printable) + "\"";
    }

    /** A sealed URI that this host cannot open; the message says why, for the sender. */
    public static final class UnsealException extends Exception {
        public UnsealException(String reason) {
            super(reason, null, false, false);
        }
    }
}
