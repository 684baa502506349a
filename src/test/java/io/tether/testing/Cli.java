package io.tether.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code java -jar tether.jar ARGS} as a real process: its exit code, stdout and stderr apart. */
public final class Cli {
    private Cli() {
    }

    /** What one command did. */
    public record Ran(int exit, String out, String err) {
    }

    /** The command line of {@code tether ARGS}, for a caller that starts it itself. */
    public static ProcessBuilder command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(WorkerProcess.java(), "-jar", WorkerProcess.jar().toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("TETHER_DATA_DIR");
        builder.environment().remove("TETHER_LOG_LEVEL");
        return builder;
    }

    /**
     * Runs {@code builder} to its end (at most 60 s). Its output goes to files, not pipes: a
     * command that writes more than a pipe holds would otherwise wait for a reader while this
     * waits for it to exit.
     */
    public static Ran run(ProcessBuilder builder) throws Exception {
        Path out = Files.createTempFile("tether-cli", ".out");
        Path err = Files.createTempFile("tether-cli", ".err");
        try {
            Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", builder.command()) + " hung");
            }
            return new Ran(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
