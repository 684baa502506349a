package io.tether.connector;

import io.tether.argv.LocalPath;
import io.tether.uri.FileScheme;
import io.tether.uri.StorageUri;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code file://} connections: a local directory, at or below one of the host's {@link FileRoots}.
 * There is nothing to mount. Connected means the directory's real path, resolved in a child process
 * ({@code realpath -e DIR/.}, which fails unless it is a directory) killed on timeout as the mount
 * probes' {@code stat} is, is inside the roots: a directory on a hung file system costs the timeout,
 * not a thread. A directory on a file system mounted read-only says so ({@link Probe#readOnly()},
 * from mountinfo), as a mount does. Nothing is ever created, written or opened there, so nothing
 * planted there (a link, a FIFO) is written through or blocks; one process per look, as a mount's.
 */
public final class LocalDirectoryConnector implements Connector {
    private final FileRoots roots;
    private final CommandRunner runner;
    private final MountTable mounts;
    private final Duration timeout;

    /**
     * @param roots   the directories {@code file://} URIs may name here (the operator's)
     * @param mounts  where to read whether the directory's file system is read-only
     * @param timeout for each child process
     */
    public LocalDirectoryConnector(FileRoots roots, CommandRunner runner, MountTable mounts, Duration timeout) {
        this.roots = roots;
        this.runner = runner;
        this.mounts = mounts;
        this.timeout = timeout;
    }

    /** The directory is there, inside the roots, and answers; read-only if its file system is. */
    @Override
    public Probe probe(StorageUri uri) throws ConnectorException {
        Path real = realDirectory(uri);
        return new Probe(readOnly(real), null, Map.of());
    }

    /** There is nothing to make: connected is what the probe finds. */
    @Override
    public Probe establish(StorageUri uri) throws ConnectorException {
        return probe(uri);
    }

    @Override
    public void disconnect(StorageUri uri) {
        // Nothing was made on the host, so there is nothing to undo.
    }

    /** The directory's real path, once the path as written and the real path are found inside the roots. */
    private Path realDirectory(StorageUri uri) throws ConnectorException {
        Path dir = FileScheme.directory(uri);
        try {
            // For CIDs stored before the roots narrowed: requests are checked when they arrive.
            roots.check(uri);
        } catch (FileRoots.OutsideRoots e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, e.getMessage());
        }
        // "DIR/." resolves only if DIR is a directory (or a link to one).
        LocalPath asArgument;
        try {
            asArgument = LocalPath.of(dir);
        } catch (IllegalArgumentException e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, "refused to pass " + dir
                    + " to a program: it " + e.getMessage());
        }
        CommandRunner.Result resolved = run(HostCommands.realDirectory(asArgument));
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
        Path real;
        try {
            String out = resolved.stdout();
            real = Path.of(out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
        } catch (InvalidPathException e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, "directory " + dir
                    + " has a real path that is no valid text");
        }
        try {
            roots.checkReal(dir, real);
        } catch (FileRoots.OutsideRoots e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, e.getMessage());
        }
        return real;
    }

    /**
     * Whether the file system holding {@code real} (the topmost mount at the longest mount point
     * above it) is read-only; not known, as when mountinfo cannot be read, is not read-only: it
     * grades the connection's health only.
     */
    private boolean readOnly(Path real) {
        MountTable.Mount holding = null;
        try {
            for (MountTable.Mount mount : mounts.mounts()) {
                if (mount.exact() && real.startsWith(mount.mountPoint())
                        && (holding == null || mount.mountPoint().getNameCount() >= holding.mountPoint().getNameCount())) {
                    holding = mount;
                }
            }
        } catch (MountTable.Unreadable e) {
            return false;
        }
        return holding != null && holding.readOnly();
    }

    private CommandRunner.Result run(Command command) throws ConnectorException {
        return runner.runOrThrow(command, timeout, VdsmError.StorageServerValidationError,
                VdsmError.StorageServerConnectionError);
    }
}
