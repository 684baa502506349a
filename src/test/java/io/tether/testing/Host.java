package io.tether.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs setup commands for tests, always with a timeout. */
public final class Host {
    private Host() {
    }

    /** What a command printed (stdout and stderr) and its exit code; -1 on timeout. */
    public record Ran(int exit, String output) {
    }

    public static Ran run(int timeoutSeconds, String... command) {
        try {
            // Into a file, not a pipe: a command that writes more than a pipe holds would otherwise
            // wait for a reader while this waits for it to exit.
            java.nio.file.Path output = java.nio.file.Files.createTempFile("host-run", ".out");
            try {
                Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    return new Ran(-1, String.join(" ", command) + " timed out");
                }
                return new Ran(p.exitValue(), java.nio.file.Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                java.nio.file.Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return new Ran(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Ran(-1, "interrupted");
        }
    }

    /** Runs and insists on exit 0. */
    public static String ok(int timeoutSeconds, String... command) {
        Ran ran = run(timeoutSeconds, command);
        if (ran.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + ran.exit() + "): " + ran.output());
        }
        return ran.output();
    }

    /** Starts a long-running server process with its output going to a file. */
    public static Process spawn(java.nio.file.Path log, String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * Mounts a tmpfs of {@code size} named {@code source} at {@code point} and returns the point, or
     * skips the test where that cannot be done (it needs root).
     */
    public static java.nio.file.Path mountTmpfs(java.nio.file.Path point, String size, String source) {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Ran mounted = run(30, "mount", "-t", "tmpfs", "-o", "size=" + size, source, point.toString());
        assumeTrue(mounted.exit() == 0, "mount failed: " + mounted.output());
        return point;
    }

    /** Unmounts {@code point} (lazily) if a test mounted something there, that is if it is not null. */
    public static void unmount(java.nio.file.Path point) {
        if (point != null) {
            run(30, "umount", "-l", point.toString());
        }
    }

    /**
     * The lines of mountinfo, a byte to a char: any user can add a line that is not UTF-8 (a FUSE
     * mount), and the paths tests compare are ASCII.
     */
    private static List<String> mountInfo() throws IOException {
        return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1);
    }

    /** Unmounts everything at or below {@code root} (lazily), for cleanup after a failed test. */
    public static void unmountAllUnder(java.nio.file.Path root) {
        try {
            List<String> points = mountInfo().stream()
                    .map(l -> l.split(" ")[4]).filter(p -> p.startsWith(root.toAbsolutePath().toString()))
                    .sorted(java.util.Comparator.reverseOrder()).toList();
            for (String point : points) {
                run(30, "umount", "-l", point.replace("\\040", " "));
            }
        } catch (IOException e) {
            // Nothing readable, nothing to clean.
        }
    }

    /** Whether {@code mountPoint} is a mount point now. */
    public static boolean mounted(java.nio.file.Path mountPoint) {
        try {
            return mountInfo().stream()
                    .anyMatch(l -> l.split(" ")[4].equals(mountPoint.toAbsolutePath().toString()));
        } catch (IOException e) {
            return false;
        }
    }

    /** How many mounts sit at {@code mountPoint} (stacked mounts count each). */
    public static long mountCount(java.nio.file.Path mountPoint) {
        try {
            return mountInfo().stream()
                    .filter(l -> l.split(" ")[4].equals(mountPoint.toAbsolutePath().toString())).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
