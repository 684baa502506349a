package io.tether.cli;

import io.tether.files.Owner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the worker on this machine keeps its data when no {@code --data-dir} says. For root,
 * {@code /var/lib/tether}, the packaged worker's: never the current directory, where whoever made
 * {@code ./tether-data} first would own root's logins and keys. For another user, who cannot
 * mount and runs a worker to try it out, {@code ./tether-data}. The CLI first asks the worker's
 * own settings, so it finds the worker's data dir wherever the operator put it:
 * {@code TETHER_DATA_DIR}, then {@code data-dir} in the worker's config file
 * ({@code TETHER_CONFIG}, else {@code /etc/tether/worker.conf}).
 *
 * <p>picocli reads the defaults as system properties ({@link #WORKER_DEFAULT}, {@link #CLIENT_DEFAULT}),
 * so that {@code --help} and {@code --print-config} show the directory in effect; {@link #publish}
 * sets them, and each class whose option uses one calls it when it is loaded.
 */
final class DataDirs {
    /** The packaged worker's data dir (src/main/packaging/worker.conf), and root's default. */
    static final Path PACKAGED = Path.of("/var/lib/tether");
    /** A user's default other than root's, as the README's first steps use it. */
    static final Path USERS = Path.of("./tether-data");

    private static final String WORKER_PROPERTY = "tether.default.worker.data-dir";
    private static final String CLIENT_PROPERTY = "tether.default.client.data-dir";
    /** The worker's {@code --data-dir} default, as picocli reads it. */
    static final String WORKER_DEFAULT = "${sys:" + WORKER_PROPERTY + "}";
    /** The CLI's {@code --data-dir} default, as picocli reads it. */
    static final String CLIENT_DEFAULT = "${sys:" + CLIENT_PROPERTY + "}";

    private DataDirs() {
    }

    private static boolean published;

    /**
     * Sets the defaults for this process, from its user, environment and the worker's config file;
     * once: {@link Main} calls it before building the commands, and each command class calls it
     * too, for a command built without Main (as tests do).
     */
    static synchronized void publish() {
        if (published) {
            return;
        }
        published = true;
        System.getProperties().putIfAbsent(WORKER_PROPERTY, forWorker(Owner.self()).toString());
        System.getProperties().putIfAbsent(CLIENT_PROPERTY,
                forClient(Owner.self(), System.getenv(), ConfigLayers.DEFAULT_FILE).toString());
    }

    /** A worker's data dir when its settings name none. */
    static Path forWorker(int uid) {
        return uid == 0 ? PACKAGED : USERS;
    }

    /** The data dir of the worker on this machine, as far as its settings tell, for a CLI run by {@code uid}. */
    static Path forClient(int uid, Map<String, String> env, Path defaultConfig) {
        String fromEnv = env.get("TETHER_DATA_DIR");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        String configured = env.get("TETHER_CONFIG");
        Path config = configured != null && !configured.isBlank() ? Path.of(configured) : defaultConfig;
        if (config != null && Files.isReadable(config)) {
            return ConfigLayers.fileValue(config, "data-dir").map(Path::of).orElse(forWorker(uid));
        }
        return forWorker(uid);
    }
}
