package io.tether.connector;

import io.tether.connection.Health;
import java.util.Map;

/**
 * What a working connection showed when probed, beyond "it answers": facts the monitor grades
 * into {@link Health}. The monitor times the probe itself.
 *
 * @param readOnly a mount that should be read-write is read-only in mountinfo
 * @param paths    the LUN's multipath paths; null where the host cannot tell (no multipathd, no map)
 * @param info     what the host chose that the URI leaves open (e.g. {@code negotiatedVersion}), for connectionInfo
 */
public record Probe(boolean readOnly, Health.Paths paths, Map<String, Object> info) {
    /** A probe with nothing to add. */
    public static final Probe PLAIN = new Probe(false, null, Map.of());

    public Probe {
        info = Map.copyOf(info);
    }
}
