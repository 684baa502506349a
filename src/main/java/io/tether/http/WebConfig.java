package io.tether.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How the worker's HTTP endpoint is guarded: TLS with a certificate and key, and users who must
 * log in with HTTP basic auth. Read from the file of {@code --web-config-file}, which has the shape
 * of the Prometheus exporters' web configuration (node_exporter's {@code --web.config.file}), so a
 * file written for them serves here:
 *
 * <pre>
 * tls_server_config:
 *   cert_file: metrics.crt     # PEM: the certificate, then any intermediates
 *   key_file: metrics.key      # PEM: its PKCS#8 private key (BEGIN PRIVATE KEY)
 * basic_auth_users:
 *   prometheus: $2y$10$...     # bcrypt hash (htpasswd -nBC 10 prometheus)
 * </pre>
 *
 * Relative paths are resolved against the file's directory. Either part may be left out;
 * settings of the exporters' file that Tether does not implement (client certificates, HTTP/2
 * tuning, headers) are refused by name, rather than silently not applied.
 *
 * @param certFile the certificate chain; null for plain HTTP
 * @param keyFile  its private key; null for plain HTTP
 * @param users    user name to bcrypt hash; empty for no login
 */
public record WebConfig(Path certFile, Path keyFile, Map<String, String> users) {
    /** Plain HTTP, no login: the default. */
    public static final WebConfig NONE = new WebConfig(null, null, Map.of());

    private static final Set<String> TOP = Set.of("tls_server_config", "basic_auth_users");
    private static final Set<String> TLS = Set.of("cert_file", "key_file");

    public WebConfig {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("tls_server_config needs both cert_file and key_file");
        }
        users = Map.copyOf(users);
        users.forEach((user, hash) -> {
            if (!hash.matches("\\$2[aby]?\\$\\d{2}\\$[./A-Za-z0-9]{53}")) {
                throw new IllegalArgumentException("basic_auth_users: the password of " + user
                        + " is not a bcrypt hash (make one with htpasswd -nBC 10 " + user + ")");
            }
        });
    }

    /** Whether the endpoint serves HTTPS. */
    public boolean tls() {
        return certFile != null;
    }

    /**
     * Reads {@code file}: an {@link IOException} if it cannot be read, an
     * {@link IllegalArgumentException} saying what in it is wrong.
     */
    public static WebConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not YAML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE;
        }
        requireOnly(root, TOP, "");
        Path dir = file.toAbsolutePath().getParent();
        Path cert = null;
        Path key = null;
        JsonNode tls = root.path("tls_server_config");
        if (!tls.isMissingNode() && !tls.isNull()) {
            requireOnly(tls, TLS, "tls_server_config.");
            cert = path(dir, tls, "cert_file");
            key = path(dir, tls, "key_file");
        }
        Map<String, String> users = new LinkedHashMap<>();
        JsonNode auth = root.path("basic_auth_users");
        if (!auth.isMissingNode() && !auth.isNull()) {
            if (!auth.isObject()) {
                throw new IllegalArgumentException("basic_auth_users is a map of user name to bcrypt hash");
            }
            auth.properties().forEach(user -> users.put(user.getKey(), user.getValue().asText()));
        }
        return new WebConfig(cert, key, users);
    }

    private static void requireOnly(JsonNode node, Set<String> known, String prefix) {
        if (!node.isObject()) {
            throw new IllegalArgumentException((prefix.isEmpty() ? "the file" : prefix) + " is not a map of settings");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(prefix + name + " is not supported; the settings are "
                        + known.stream().sorted().map(k -> prefix + k).toList());
            }
        }
    }

    private static Path path(Path dir, JsonNode tls, String name) {
        String value = tls.path(name).asText("");
        return value.isEmpty() ? null : dir.resolve(value);
    }
}
