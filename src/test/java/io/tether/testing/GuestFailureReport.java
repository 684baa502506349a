package io.tether.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Puts what a {@link Guest} said next to a failure of a test that uses it: the last lines of its
 * console (the kernel's messages, a panic) and of its own log ({@code guest-init.sh}'s), as a
 * suppressed exception of the failure, so that the report of a failed test (in CI, often all
 * there is) shows them. A skip (a machine without QEMU, outside CI) is passed on untouched.
 */
public final class GuestFailureReport implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final int LINES = 60;
    private final Path dir;

    /** What the guest whose shared directory is {@code dir} said. */
    public GuestFailureReport(Path dir) {
        this.dir = dir;
    }

    /** The guest's words, as a suppressed exception: a message, no stack trace of its own. */
    static final class GuestOutput extends RuntimeException {
        GuestOutput(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withGuestOutput(failure);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withGuestOutput(failure);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withGuestOutput(failure);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withGuestOutput(failure);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withGuestOutput(failure);
    }

    private Throwable withGuestOutput(Throwable failure) {
        if (!(failure instanceof TestAbortedException)) {
            failure.addSuppressed(new GuestOutput("the guest's console and log (all of them, and the worker's log, in "
                    + dir.toAbsolutePath() + "):\n" + tail("console.log") + tail("guest.log")));
        }
        return failure;
    }

    /** The file's last lines, headed by its name; or a line saying it is not there. */
    private String tail(String name) {
        Path file = dir.resolve(name);
        try {
            // Decoded leniently: a console may hold what no charset reads (a panic's garbage).
            List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            List<String> last = lines.subList(Math.max(0, lines.size() - LINES), lines.size());
            return "--- " + name + (last.size() < lines.size() ? ", its last " + LINES + " lines" : "") + "\n"
                    + String.join("\n", last) + "\n";
        } catch (IOException e) {
            return "--- " + name + ": not readable (" + e + ")\n";
        }
    }
}
