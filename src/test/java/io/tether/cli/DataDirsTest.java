package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the worker keeps its data when no --data-dir says, and how the CLI finds it: never the
 * current directory for root (UnprivilegedUserIT shows why, with another user's ./tether-data).
 */
class DataDirsTest {
    @TempDir
    Path tmp;

    @Test
    void rootsDefaultIsThePackagedWorkersAndAnotherUsersIsItsCurrentDirectory() {
        assertEquals(Path.of("/var/lib/tether"), DataDirs.forWorker(0));
        assertEquals(Path.of("./tether-data"), DataDirs.forWorker(1000));
    }

    @Test
    void theCliAsksTheWorkersSettingsFirst() throws Exception {
        Path conf = Files.writeString(tmp.resolve("worker.conf"), "host-id = h\ndata-dir = /srv/tether\n");
        Path other = Files.writeString(tmp.resolve("other.conf"), "data-dir = /srv/other\n");
        assertEquals(Path.of("/srv/env"), DataDirs.forClient(0, Map.of("TETHER_DATA_DIR", "/srv/env"), conf));
        assertEquals(Path.of("/srv/tether"), DataDirs.forClient(0, Map.of(), conf));
        assertEquals(Path.of("/srv/other"), DataDirs.forClient(0, Map.of("TETHER_CONFIG", other.toString()), conf));
        Path without = Files.writeString(tmp.resolve("without.conf"), "host-id = h\n");
        assertEquals(Path.of("/var/lib/tether"), DataDirs.forClient(0, Map.of(), without));
        assertEquals(Path.of("/var/lib/tether"), DataDirs.forClient(0, Map.of(), tmp.resolve("no-such.conf")));
        assertEquals(Path.of("./tether-data"), DataDirs.forClient(1000, Map.of(), tmp.resolve("no-such.conf")));
    }
}
