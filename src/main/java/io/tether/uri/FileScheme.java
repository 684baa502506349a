package io.tether.uri;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code file:///absolute/path} ({@code file://localhost/...} too): a local directory the host must
 * be able to read and write. Nothing is mounted, so there is no host, port or parameter.
 */
public final class FileScheme implements Scheme {
    private static final Facts FACTS = new Facts("file", -1, Set.of(), Makes.LOCAL_DIRECTORY, Set.of());

    /** An absolute directory below {@code /} on this host: no other host, port or parameter. */
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
        return new StorageUri(parts.type(), "", "", -1, path, null, new TreeMap<>(), List.of(), null, null);
    }

    /** The directory a {@code file://} URI names. */
    public static Path directory(StorageUri uri) {
        return Path.of(uri.path());
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
