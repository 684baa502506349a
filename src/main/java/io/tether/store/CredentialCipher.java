package io.tether.store;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts URIs that carry credentials before they reach the database (AES-256-GCM). The key is a
 * file in the data dir, created with mode 0600; the CID is bound in as associated data, so a
 * ciphertext copied to another row does not decrypt.
 */
public final class CredentialCipher {
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private CredentialCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * Loads the key at {@code keyFile}, creating it (0600) on first use. The file must be this
     * process's user's, not a link, and writable by nobody else: a key someone else put there would
     * let them read every credential stored with it.
     */
    public static CredentialCipher open(Path keyFile) throws IOException {
        if (Files.notExists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            try {
                TrustedPaths.createNew(keyFile, fresh, TrustedPaths.PRIVATE_FILE);
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first; use theirs, if it passes the checks below.
            }
        }
        TrustedPaths.ownFile(keyFile, "credential key", TrustedPaths.PRIVATE_FILE);
        byte[] bytes = TrustedPaths.read(keyFile, Owner.SELF, "credential key");
        if (bytes.length != 32) {
            throw new IOException("credential key " + keyFile + " must hold 32 bytes, found " + bytes.length);
        }
        return new CredentialCipher(bytes);
    }

    public byte[] encrypt(String plaintext, String cid) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(cid.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("credential encryption failed: " + e.getClass().getSimpleName());
        }
    }

    /** Whether {@code sealed} (of {@code cid}) was sealed with this key. */
    boolean opens(byte[] sealed, String cid) {
        try {
            decrypt(sealed, cid);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public String decrypt(byte[] sealed, String cid) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
            cipher.updateAAD(cid.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("credentials of CID could not be decrypted: wrong or replaced key file");
        }
    }
}
