package io.tether.cli;

import io.tether.http.HttpAddress;
import io.tether.logging.LogFormat;
import io.tether.worker.WorkerConfig;
import picocli.CommandLine.Option;

/**
 * The worker's {@code --http-address} and {@code --log-format}, each also taken from the
 * environment. A configuration file will set them too once the worker has one.
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

    /**
     * Makes this process log in the chosen format, and returns {@code config} serving HTTP where
     * asked. A value that is neither is an {@link IllegalArgumentException} naming its option.
     */
    WorkerConfig applyTo(WorkerConfig config) {
        LogFormat format = LogFormat.parse("--log-format", logFormat);
        WorkerConfig withHttp = config.withHttpAddress(HttpAddress.parse("--http-address", httpAddress).orElse(null));
        format.apply(config.hostId());
        return withHttp;
    }
}
