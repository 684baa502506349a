package io.tether.sealing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.CompressionAlgorithm;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.tether.api.JsonRpc;
import io.tether.api.Schemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sealing and unsealing with real keys and real JWEs: what opens, what is refused and why, the key file. */
class SealingKeyTest {
    private static final String URI = "iscsi://chap%Pa55-wörd@san.example/iqn.2003-01.org.example:disk1/0";

    @TempDir
    static Path keys;
    static SealingKey host;
    static SealingKey other;

    @BeforeAll
    static void makeKeys() throws Exception {
        host = SealingKey.open(keys.resolve("host.jwk"));
        other = SealingKey.open(keys.resolve("other.jwk"));
    }

    /** A JWE for the host's key, built by hand so a test can choose what a client should not. */
    private static String jwe(JWEAlgorithm alg, EncryptionMethod enc, String kid, Payload payload, boolean zip) throws Exception {
        JWEHeader.Builder header = new JWEHeader.Builder(alg, enc);
        if (kid != null) {
            header.keyID(kid);
        }
        if (zip) {
            header.compressionAlgorithm(CompressionAlgorithm.DEF);
        }
        JWEObject jwe = new JWEObject(header.build(), payload);
        jwe.encrypt(new RSAEncrypter(RSAKey.parse(host.publicJwk())));
        return jwe.serialize();
    }

    private static String refused(String sealed) {
        String reason = assertThrows(SealingKey.UnsealException.class, () -> host.unseal(sealed)).getMessage();
        assertFalse(reason.contains("Pa55"), "the reason quotes the plaintext: " + reason);
        return reason;
    }

    @Test
    void roundTrip() throws Exception {
        Sealer sealer = Sealer.fromJwk(host.publicJwk());
        assertEquals(host.keyId(), sealer.keyId());
        String sealed = sealer.seal(URI);
        assertFalse(sealed.contains("Pa55"));
        assertEquals(URI, host.unseal(sealed));
        assertNotEquals(sealed, sealer.seal(URI), "every sealing is new (random key and IV)");

        JWEHeader header = JWEObject.parse(sealed).getHeader();
        assertEquals(JWEAlgorithm.RSA_OAEP_256, header.getAlgorithm());
        assertEquals(EncryptionMethod.A256GCM, header.getEncryptionMethod());
        assertEquals(host.keyId(), header.getKeyID());
    }

    @Test
    void thePublicJwkIsWhatGetSealingKeyPromises() throws Exception {
        Map<String, Object> jwk = host.publicJwk();
        assertEquals(new TreeSet<>(Set.of("kty", "n", "e", "kid", "use", "alg")), new TreeSet<>(jwk.keySet()));
        RSAKey key = RSAKey.parse(jwk);
        assertEquals(3072, key.size());
        assertEquals(KeyUse.ENCRYPTION, key.getKeyUse());
        assertEquals(key.computeThumbprint().toString(), host.keyId(), "kid is the RFC 7638 SHA-256 thumbprint");
        JsonNode result = JsonRpc.MAPPER.createObjectNode().set("jwk", JsonRpc.MAPPER.valueToTree(jwk));
        assertTrue(Schemas.problems("getSealingKey.response", result).isEmpty(),
                Schemas.problems("getSealingKey.response", result).toString());
    }

    @Test
    void wrongKid() throws Exception {
        String reason = refused(Sealer.fromJwk(other.publicJwk()).seal(URI));
        assertTrue(reason.contains("is sealed for key id \"" + other.keyId() + "\""), reason);
        assertTrue(reason.contains(host.keyId()) && reason.contains("getSealingKey"), "tells the current key: " + reason);
        String none = refused(jwe(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM, null, new Payload(URI), false));
        assertTrue(none.contains("names no key id") && none.contains(host.keyId()), none);
    }

    @Test
    void tamperedCiphertext() throws Exception {
        String sealed = Sealer.fromJwk(host.publicJwk()).seal(URI);
        String[] parts = sealed.split("\\.");
        // Encrypted key, IV, ciphertext, tag: RSA-OAEP or AES-GCM's tag catches a change in any of them.
        for (int part = 1; part <= 4; part++) {
            String[] changed = parts.clone();
            char c = changed[part].charAt(5);
            changed[part] = changed[part].substring(0, 5) + (c == 'A' ? 'B' : 'A') + changed[part].substring(6);
            String reason = refused(String.join(".", changed));
            assertTrue(reason.contains("does not decrypt"), "part " + part + ": " + reason);
        }
        // The header is the AAD: another kid there is refused before, an added member after decrypting.
        String header = new String(java.util.Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String[] extended = parts.clone();
        extended[0] = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                header.replace("{", "{\"typ\":\"x\",").getBytes(StandardCharsets.UTF_8));
        assertTrue(refused(String.join(".", extended)).contains("does not decrypt"));
        // Sealed for this kid, but with another key: as if the key id were forged.
        JWEObject forged = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                .keyID(host.keyId()).build(), new Payload(URI));
        forged.encrypt(new RSAEncrypter(RSAKey.parse(other.publicJwk())));
        assertTrue(refused(forged.serialize()).contains("does not decrypt"));
    }

    @Test
    void wrongAlgOrEnc() throws Exception {
        String oaep1 = refused(jwe(JWEAlgorithm.RSA_OAEP, EncryptionMethod.A256GCM, host.keyId(), new Payload(URI), false));
        assertTrue(oaep1.contains("uses alg \"RSA-OAEP\"") && oaep1.contains("RSA-OAEP-256"), oaep1);
        assertTrue(refused(jwe(JWEAlgorithm.RSA1_5, EncryptionMethod.A256GCM, host.keyId(), new Payload(URI), false))
                .contains("uses alg \"RSA1_5\""));
        String enc = refused(jwe(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A128CBC_HS256, host.keyId(), new Payload(URI), false));
        assertTrue(enc.contains("uses enc \"A128CBC-HS256\"") && enc.contains("A256GCM"), enc);
        assertTrue(refused(jwe(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM, host.keyId(), new Payload(URI), true))
                .contains("compressed"));
    }

    @Test
    void notAJwe() throws Exception {
        String jws = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        for (String text : new String[] {"", "x", URI, jws, "a.b.c.d.e", "....", "eyJhbGciOiJub25lIn0.a.b.c.d"}) {
            assertTrue(refused(text).contains("is not a JWE"), text);
        }
        String latin1 = refused(jwe(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM, host.keyId(),
                new Payload(new byte[] {'f', 'i', 'l', 'e', (byte) 0xFF}), false));
        assertTrue(latin1.contains("not UTF-8"), latin1);
    }

    @Test
    void keyFileIsOwnerOnlyAndKeptAcrossRestarts(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sealing-key.jwk");
        SealingKey first = SealingKey.open(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(RSAKey.parse(Files.readString(file)).isPrivate());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        SealingKey again = SealingKey.open(file);
        assertEquals(first.keyId(), again.keyId(), "same key, same kid after a restart");
        assertEquals(URI, again.unseal(Sealer.fromJwk(first.publicJwk()).seal(URI)));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SealingKey.open(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "mode put back");

        Path pub = dir.resolve("sealing-key.pub.jwk");
        first.writePublicJwk(pub);
        RSAKey published = RSAKey.parse(Files.readString(pub));
        assertFalse(published.isPrivate());
        assertEquals(first.keyId(), published.getKeyID());

        Path broken = Files.writeString(dir.resolve("broken.jwk"), "{\"kty\":\"RSA\",\"d\":\"Pa55\"}");
        String message = assertThrows(java.io.IOException.class, () -> SealingKey.open(broken)).getMessage();
        assertTrue(message.contains("remove it") && !message.contains("Pa55"), message);
        Path publicOnly = Files.writeString(dir.resolve("public.jwk"), first.publicJwkJson(), StandardCharsets.UTF_8);
        assertTrue(assertThrows(java.io.IOException.class, () -> SealingKey.open(publicOnly)).getMessage().contains("private"));
    }

    /** A key file that is a link (planted before the data dir was checked, or by hand) is refused, never read or replaced through. */
    @Test
    void aKeyFileThatIsALinkIsRefused(@TempDir Path dir) throws Exception {
        Path theirs = dir.resolve("theirs.jwk");
        SealingKey.open(theirs);
        Path link = Files.createSymbolicLink(dir.resolve("sealing-key.jwk"), theirs);
        String message = assertThrows(io.tether.files.UntrustedPathException.class, () -> SealingKey.open(link)).getMessage();
        assertEquals("sealing key " + link + " is a symbolic link: only a regular file is used", message);
    }

    @Test
    void aSealerRefusesAKeyThatIsNotAHostsSealingKey() throws Exception {
        Map<String, Object> wrongKid = new HashMap<>(host.publicJwk());
        wrongKid.put("kid", other.keyId());
        assertThrows(IllegalArgumentException.class, () -> Sealer.fromJwk(wrongKid));
        Map<String, Object> signing = new HashMap<>(host.publicJwk());
        signing.put("use", "sig");
        assertThrows(IllegalArgumentException.class, () -> Sealer.fromJwk(signing));
        Map<String, Object> otherAlg = new HashMap<>(host.publicJwk());
        otherAlg.put("alg", "RSA1_5");
        assertThrows(IllegalArgumentException.class, () -> Sealer.fromJwk(otherAlg));
        RSAKey weak = new RSAKeyGenerator(1024, true).keyIDFromThumbprint(true).generate();
        assertThrows(IllegalArgumentException.class, () -> Sealer.fromJwk(weak.toPublicJWK().toJSONObject()));
        assertThrows(IllegalArgumentException.class, () -> Sealer.fromJwk(Map.of("kty", "EC")));
        // A private JWK handed over by mistake is used for its public half only.
        Map<String, Object> privateJwk = RSAKey.parse(Files.readString(keys.resolve("host.jwk"))).toJSONObject();
        assertEquals(host.keyId(), Sealer.fromJwk(privateJwk).keyId());
    }
}
