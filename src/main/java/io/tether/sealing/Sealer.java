package io.tether.sealing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.util.Map;

/**
 * A host's public sealing key as an engine holds it: seals a URI so that only that host's worker
 * can read it, and the broker in between carries ciphertext. Made from the JWK that
 * {@code getSealingKey} returns; checks that the JWK is what a worker hands out, so a garbled or
 * substituted key is refused rather than used.
 */
public final class Sealer {
    private final RSAKey publicKey;
    private final String keyId;

    private Sealer(RSAKey publicKey, String keyId) {
        this.publicKey = publicKey;
        this.keyId = keyId;
    }

    /**
     * The sealer for a host's public JWK ({@code getSealingKey}'s {@code jwk}).
     *
     * @throws IllegalArgumentException not an RSA encryption key for {@link SealingKey#ALGORITHM} of
     *                                  at least 2048 bits whose kid is its SHA-256 thumbprint
     */
    public static Sealer fromJwk(Map<String, Object> jwk) {
        RSAKey key;
        try {
            key = RSAKey.parse(jwk).toPublicJWK();
        } catch (ParseException | RuntimeException e) {
            throw new IllegalArgumentException("the host's sealing key is not an RSA JWK");
        }
        if (key.getAlgorithm() != null && !SealingKey.ALGORITHM.equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("the host's sealing key is for alg " + key.getAlgorithm()
                    + ", not " + SealingKey.ALGORITHM);
        }
        if (key.getKeyUse() != null && !KeyUse.ENCRYPTION.equals(key.getKeyUse())) {
            throw new IllegalArgumentException("the host's sealing key is not an encryption key");
        }
        if (key.size() < SealingKey.MIN_BITS) {
            throw new IllegalArgumentException("the host's sealing key has " + key.size() + " bits, fewer than "
                    + SealingKey.MIN_BITS);
        }
        String thumbprint;
        try {
            thumbprint = key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the host's sealing key has no thumbprint: " + e.getMessage());
        }
        if (!thumbprint.equals(key.getKeyID())) {
            throw new IllegalArgumentException("the host's sealing key id is not the key's SHA-256 thumbprint");
        }
        return new Sealer(key, thumbprint);
    }

    /** The key id the sealed URIs name; the worker refuses them once its key id is another. */
    public String keyId() {
        return keyId;
    }

    /** {@code text} (a URI) sealed for the host: a JWE in compact serialization. */
    public String seal(String text) {
        JWEHeader header = new JWEHeader.Builder(SealingKey.ALGORITHM, SealingKey.ENCRYPTION).keyID(keyId).build();
        JWEObject jwe = new JWEObject(header, new Payload(text));
        try {
            jwe.encrypt(new RSAEncrypter(publicKey));
        } catch (JOSEException e) {
            throw new IllegalStateException("sealing failed: " + e.getMessage());
        }
        return jwe.serialize();
    }
}
