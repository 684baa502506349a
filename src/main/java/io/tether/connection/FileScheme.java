package io.tether.connection;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code file:///absolute/path} ({@code file://localhost/...} too): a local directory the host must
 * be able to read and write. Nothing is mounted, so there is no host, port or parameter.
 */
public final class FileScheme implements Scheme {

    @Override
    public String name() {
        return "file";
    }

    @Override
    public int defaultPort() {
        return -1;
    }

    @Override
    public Set<String> parameters() {
        return Set.of();
    }

    @Override
    public Kind kind() {
        return Kind.LOCAL_DIRECTORY;
    }

    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        parts.refuseUserInfo();
        if (!(parts.host().isEmpty() || parts.host().equals("localhost")) || parts.port() != -1) {
            throw new InvalidUriException("file uri names a local directory: file:///absolute/path");
        }
        String path = parts.path("path");
        if (path.equals("/")) {
            throw new InvalidUriException("file uri must name a directory below /");
        }
        return new StorageUri(parts.type(), "", -1, path, null, new TreeMap<>(), List.of(), null, null);
    }

    @Override
    public void putTarget(StorageUri uri, Map<String, Object> info) {
        info.put("path", uri.path());
    }

    /** The directory a {@code file://} URI names. */
    public static Path directory(StorageUri uri) {
        return Path.of(uri.path());
    }
}
