package io.tether.connector;

import io.tether.uri.Text;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs host tools: the one place where Tether starts processes. Each run has a timeout after which
 * the whole process tree is killed, so a tool stuck on a hung mount costs its caller the timeout
 * and no more. Output is captured; failures name the command (secrets masked), the exit code and
 * the tool's own message.
 */
public class CommandRunner {
    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
    private static final int MAX_OUTPUT = 64 * 1024;
    // Reading a child's pipes blocks; keep that off the shared ForkJoin pool (one thread on 2 cores).
    private static final java.util.concurrent.ExecutorService PIPES = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tether-pipe");
        t.setDaemon(true);
        return t;
    });

    /** What a finished command said. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The tool's own message: stderr, or stdout if stderr is empty, trimmed to one paragraph. */
        public String message() {
            return Text.shorten((stderr.isBlank() ? stdout : stderr).strip(), 500);
        }
    }

    /** The tool is not installed. */
    public static final class ToolMissing extends Exception {
        public ToolMissing(Command command) {
            super(command.tool() + " not found: install " + command.installHint(), null, false, false);
        }
    }

    /** The tool is there but could not be started (not executable, no process to be had); {@code why} is the system's reason. */
    public static final class CannotStart extends Exception {
        public CannotStart(Command command, String why) {
            super(command + " could not be started: " + why, null, false, false);
        }
    }

    /** The tool ran longer than its timeout and was killed. */
    public static final class TimedOut extends Exception {
        public TimedOut(Command command, Duration timeout) {
            super(command + " did not finish within " + timeout.toMillis() / 1000.0 + " s and was killed", null, false, false);
        }
    }

    /** Runs {@code command}; a non-zero exit is a normal result, not an exception. */
    public Result run(Command command, Duration timeout) throws ToolMissing, CannotStart, TimedOut {
        ProcessBuilder builder = new ProcessBuilder(command.argv());
        // In /, not wherever the worker was started (/tmp, say): a tool reads a relative name, such
        // as a mount spec "host:/path" that mount(8) looks for as a file, in a directory only root controls.
        builder.directory(new java.io.File("/"));
        builder.environment().putAll(command.environment());
        // Tools answer in English whatever the host's locale, so their messages can be matched.
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            // Only "no such file" means the tool is not installed: one that is there but cannot run
            // (not executable, no memory or process slot left) is not fixed by installing a package.
            // The cause holds the system's reason ("error=13, Permission denied") without the program name.
            Throwable reason = e.getCause() == null ? e : e.getCause();
            String why = reason.getMessage() == null ? reason.getClass().getSimpleName() : reason.getMessage();
            if (why.contains("error=2,")) {
                throw new ToolMissing(command);
            }
            throw new CannotStart(command, why);
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()), PIPES);
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()), PIPES);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                log.warn("{} timed out after {} ms; killed", command, timeout.toMillis());
                throw new TimedOut(command, timeout);
            }
            Result result = new Result(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
            log.debug("{} exited {}", command, result.exitCode());
            return result;
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new TimedOut(command, timeout);
        } catch (ExecutionException | TimeoutException | IOException e) {
            // The pipes outlived the process (a child kept them open); report what we have.
            kill(process);
            return new Result(process.isAlive() ? -1 : process.exitValue(), "", "output unreadable");
        }
    }

    /**
     * Runs {@code command} where its failure to run is a connector's error: {@code missing} when the
     * tool is not installed or cannot be started, {@code timedOut} when it was killed, each with this
     * runner's message. A non-zero exit is a normal result.
     */
    public final Result runOrThrow(Command command, Duration timeout, VdsmError missing, VdsmError timedOut)
            throws ConnectorException {
        try {
            return run(command, timeout);
        } catch (ToolMissing | CannotStart e) {
            throw new ConnectorException(missing, e.getMessage());
        } catch (TimedOut e) {
            throw new ConnectorException(timedOut, e.getMessage());
        }
    }

    /** Runs a clean-up step whose failure changes nothing; empty when the tool is missing, did not start or was killed. */
    public final Optional<Result> runQuietly(Command command, Duration timeout) {
        try {
            return Optional.of(run(command, timeout));
        } catch (ToolMissing | CannotStart | TimedOut e) {
            log.debug("{}: {}", command, e.getMessage());
            return Optional.empty();
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static String drain(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_OUTPUT);
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
