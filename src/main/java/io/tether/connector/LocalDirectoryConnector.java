package io.tether.connector;

import io.tether.connection.FileScheme;
import io.tether.connection.StorageUri;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code file://} connections: a local directory the host must be able to read and write. There is
 * nothing to mount; connected means the directory exists and a file can be created, read back and
 * removed in it, which also catches read-only and full file systems that permission bits miss.
 */
public final class LocalDirectoryConnector implements Connector {

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
        if (!Files.exists(dir)) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, "directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, dir + " is not a directory");
        }
        Path probe = dir.resolve(".tether-probe-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        try {
            Files.writeString(probe, "tether");
            Files.readString(probe);
        } catch (IOException | SecurityException e) {
            throw new ConnectorException(VdsmError.StorageServerAccessPermissionError,
                    "directory " + dir + " is not readable and writable: " + e.getClass().getSimpleName());
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // The write failed too, and that is what gets reported.
            }
        }
    }
}
