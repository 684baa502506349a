package io.tether.cli;

import io.tether.http.HttpAddress;
import io.tether.http.WebConfig;
import io.tether.logging.LogFormat;
import io.tether.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The worker's {@code --http-address}, {@code --web-config-file} and {@code --log-format}, each also
 * taken from the environment and the config file.
 */
public final class ObservabilityOptions {

    @Option(names = "--http-address", paramLabel = "HOST:PORT|off",
            defaultValue = "${env:TETHER_HTTP_ADDRESS:-" + HttpAddress.DEFAULT + "}",
            description = "Serve /metrics (Prometheus), /livez and /readyz here; off for nowhere"
                    + " (env TETHER_HTTP_ADDRESS; default: ${DEFAULT-VALUE}).")
    String httpAddress;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:TETHER_LOG_FORMAT:-text}",
            description = "text: one line per event; json: one JSON object per line, for log shippers"
                    + " (env TETHER_LOG_FORMAT; default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--web-config-file", paramLabel = "FILE", defaultValue = "${env:TETHER_WEB_CONFIG_FILE}",
            description = "TLS and basic-auth users for the HTTP endpoint, in the Prometheus exporters' web config"
                    + " format (docs/operations.md, \"Metrics\"; env TETHER_WEB_CONFIG_FILE).")
    Path webConfigFile;

    /**
     * Makes this process log in the chosen format, and returns {@code config} serving HTTP where
     * asked. A value that is neither is an {@link IllegalArgumentException} naming its option.
     */
    WorkerConfig applyTo(WorkerConfig config) throws IOException {
        LogFormat format = LogFormat.parse("--log-format", logFormat);
        WorkerConfig withHttp = config.withHttpAddress(HttpAddress.parse("--http-address", httpAddress).orElse(null))
                .withWebConfig(webConfig());
        format.apply(config.hostId());
        return withHttp;
    }

    /** The endpoint's TLS and logins; what is wrong in the file is an {@link IllegalArgumentException} naming it. */
    private WebConfig webConfig() throws IOException {
        if (webConfigFile == null) {
            return WebConfig.NONE;
        }
        try {
            return WebConfig.read(webConfigFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--web-config-file " + webConfigFile + ": " + e.getMessage());
        }
    }
}
