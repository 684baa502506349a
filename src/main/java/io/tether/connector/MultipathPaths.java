package io.tether.connector;

import io.tether.argv.Program;
import io.tether.argv.Word;
import io.tether.connection.Health;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The paths of a LUN's multipath map, from {@code multipathd show paths raw format "%d %m %t %T"}:
 * one line per path with its device name, its map's alias ({@code [orphan]} when in none), the
 * device mapper's state of the path ({@code active}, {@code failed} or {@code undef}) and the path
 * checker's ({@code ready}, {@code faulty}, ...). Raw output has no header and no padding.
 */
public final class MultipathPaths {
    /** The command's format argument: device, map, device-mapper state, checker state. */
    public static final String FORMAT = Word.PATH_FORMAT.text();

    private MultipathPaths() {
    }

    /** The command that lists every path. */
    public static Command command() {
        return Command.of(Program.MULTIPATHD).arg(Word.SHOW, Word.PATHS, Word.RAW, Word.FORMAT_WORD, Word.PATH_FORMAT);
    }

    /**
     * Active and failed paths of the map that {@code device} (sdX) belongs to, counted by the device
     * mapper's state, with the failed ones' devices; empty when the device is in no map (or not listed).
     */
    public static Optional<Health.Paths> ofDevice(String device, String output) {
        String map = null;
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 3 && f[0].equals(device)) {
                map = f[1];
            }
        }
        if (map == null || map.startsWith("[")) {
            return Optional.empty();
        }
        int active = 0;
        List<String> failed = new ArrayList<>();
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 3 && f[1].equals(map)) {
                if (f[2].equals("active")) {
                    active++;
                } else if (f[2].equals("failed")) {
                    failed.add(f[0]);
                }
            }
        }
        return Optional.of(new Health.Paths(active, failed.size(), failed));
    }
}
