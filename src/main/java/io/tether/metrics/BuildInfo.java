package io.tether.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Which build this is: the project's version and the git revision it was built from, stamped into
 * the jar by the build. {@code tether -V} prints it and {@code tether_worker_info} carries it, so an
 * operator can tell which build each host runs; the package's version starts with the same
 * version.
 *
 * @param revision the commit, or {@code unknown} for a build outside a git checkout
 */
public record BuildInfo(String version, String revision) {
    private static final String RESOURCE = "/io/tether/build.properties";
    private static final BuildInfo CURRENT = load();

    /** This jar's build. */
    public static BuildInfo current() {
        return CURRENT;
    }

    private static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(stamped(properties, "version"), stamped(properties, "revision"));
    }

    /** The value the build stamped; {@code unknown} for classes run without the build's resources. */
    private static String stamped(Properties properties, String name) {
        String value = properties.getProperty(name, "").trim();
        return value.isEmpty() || value.startsWith("${") ? "unknown" : value;
    }

    /** {@code tether 0.1.0 (revision 1a2b3c4d5e6f)}, as {@code tether -V} prints it. */
    @Override
    public String toString() {
        return "tether " + version + " (revision " + revision + ")";
    }
}
