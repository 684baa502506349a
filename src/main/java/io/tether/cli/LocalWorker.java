package io.tether.cli;

import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the worker on this machine can be reached: its host id and its embedded broker's URL, as
 * the worker writes them into its data dir at each start ({@link #FILE}), for the CLI on the same
 * machine to default {@code --host} and {@code --broker} to. The file is read as the engines'
 * login is: only if root or this user owns it and nobody else may change it.
 */
record LocalWorker(String hostId, String brokerUrl) {
    /** The file in the worker's data dir. */
    static final String FILE = "worker-address";

    /** Writes this address into {@code dataDir}, replacing the one of the worker's previous start. */
    void write(Path dataDir) throws IOException {
        String text = "# Written by the worker at each start; the CLI on this machine reads it for --host and --broker.\n"
                + "host-id=" + hostId + "\n" + (brokerUrl == null ? "" : "broker=" + brokerUrl + "\n");
        TrustedPaths.replace(dataDir.resolve(FILE), text.getBytes(StandardCharsets.UTF_8), TrustedPaths.PRIVATE_FILE);
    }

    /**
     * The address in {@code dataDir}; none if the file is missing or cannot be used, as on a
     * machine without a worker, or one this user may not read: then --host must be given.
     */
    static Optional<LocalWorker> read(Path dataDir) {
        try {
            Properties p = new Properties();
            p.load(new StringReader(new String(TrustedPaths.read(dataDir.resolve(FILE), Owner.ROOT_OR_SELF, "worker address"),
                    StandardCharsets.UTF_8)));
            String hostId = p.getProperty("host-id");
            return hostId == null || hostId.isBlank() ? Optional.empty()
                    : Optional.of(new LocalWorker(hostId.strip(), p.getProperty("broker")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
