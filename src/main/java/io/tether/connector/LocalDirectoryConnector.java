package io.tether.connector;

import io.tether.connection.FileScheme;
import io.tether.connection.StorageUri;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code file://} connections: a local directory, at or below one of the host's {@link FileRoots},
 * that the host can read and write. There is nothing to mount. Connected means: the directory's
 * real path ({@code realpath -e DIR/.}, which fails unless it is a directory) is inside the roots,
 * and access(2) grants reading, writing and searching it ({@code test -r -w -x}), which also
 * catches a read-only file system. Both run in child processes, killed on timeout, as the mount
 * probes do: a directory on a hung file system costs the timeout, not a thread. Nothing is ever
 * written or opened there, so nothing planted there (a link, a FIFO) is written through or blocks.
 */
public final class LocalDirectoryConnector implements Connector {
    private final FileRoots roots;
    private final CommandRunner runner;
    private final Duration timeout;

    /**
     * @param roots   the directories {@code file://} URIs may name here (the operator's)
     * @param timeout for each child process
     */
    public LocalDirectoryConnector(FileRoots roots, CommandRunner runner, Duration timeout) {
        this.roots = roots;
        this.runner = runner;
        this.timeout = timeout;
    }

    @Override
    public void connect(StorageUri uri) throws ConnectorException {
        check(uri);
    }

    @Override
    public void disconnect(StorageUri uri) {
        // Nothing was made on the host, so there is nothing to undo.
    }

    @Override
    public void check(StorageUri uri) throws ConnectorException {
        Path dir = FileScheme.directory(uri);
        try {
            // For CIDs stored before the roots narrowed: requests are checked when they arrive.
            roots.check(uri);
        } catch (FileRoots.Refused e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, e.getMessage());
        }
        Path real = realDirectory(dir);
        try {
            roots.checkReal(dir, real);
        } catch (FileRoots.Refused e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, e.getMessage());
        }
        CommandRunner.Result access = run(Command.of("test", "coreutils").arg("-r", real.toString(), "-a", "-w",
                real.toString(), "-a", "-x", real.toString()));
        if (access.exitCode() != 0) {
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError,
                    "directory " + dir + " is not readable and writable" + (access.message().isEmpty() ? "" : ": " + access.message()));
        }
    }

    /** The directory's real path; "DIR/." resolves only if DIR is a directory (or a link to one). */
    private Path realDirectory(Path dir) throws ConnectorException {
        CommandRunner.Result resolved = run(Command.of("realpath", "coreutils").arg("-e", "--", dir + "/."));
        if (resolved.exitCode() != 0) {
            String words = resolved.message();
            if (words.contains("No such file or directory")) {
                throw new ConnectorException(VdsmError.StorageServerValidationError, "directory " + dir + " does not exist");
            }
            if (words.contains("Not a directory")) {
                throw new ConnectorException(VdsmError.StorageServerValidationError, dir + " is not a directory");
            }
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError,
                    "directory " + dir + " is not readable and writable: " + words);
        }
        try {
            String out = resolved.stdout();
            return Path.of(out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
        } catch (InvalidPathException e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, "directory " + dir
                    + " has a real path that is no valid text");
        }
    }

    private CommandRunner.Result run(Command command) throws ConnectorException {
        return runner.runOrThrow(command, timeout, VdsmError.StorageServerValidationError,
                VdsmError.StorageServerConnectionError);
    }
}
