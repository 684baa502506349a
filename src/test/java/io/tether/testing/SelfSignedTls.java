package io.tether.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made by the JDK's keytool, written as the
 * PEM files a web config file names: the certificate ({@link #cert}) and its PKCS#8 key
 * ({@link #key}); {@link #trust} trusts it.
 */
public record SelfSignedTls(Path cert, Path key, KeyStore trust) {

    /** Makes one in {@code dir} ({@code metrics.crt}, {@code metrics.key}). */
    public static SelfSignedTls make(Path dir) throws Exception {
        Path p12 = dir.resolve("made.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "metrics", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", "made-here")
                .redirectErrorStream(true).start();
        String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), said);
        KeyStore made = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            made.load(in, "made-here".toCharArray());
        }
        Certificate certificate = made.getCertificate("metrics");
        Path cert = Files.writeString(dir.resolve("metrics.crt"), pem("CERTIFICATE", certificate.getEncoded()));
        Path key = Files.writeString(dir.resolve("metrics.key"),
                pem("PRIVATE KEY", made.getKey("metrics", "made-here".toCharArray()).getEncoded()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("metrics", certificate);
        return new SelfSignedTls(cert, key, trust);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
