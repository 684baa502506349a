package io.tether.uri;

import io.tether.argv.Host;
import io.tether.argv.MountOption;
import io.tether.argv.MountSource;
import io.tether.argv.RemotePath;
import io.tether.argv.VfsType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code posix://host[:port]/path?vfsType=T[&options=a,b]} or {@code posix:///dev/...?vfsType=T}:
 * any file system {@code mount -t T} mounts. The URI chooses the type, so the host's mount policy
 * must allow it; the types and options it allows by default are in docs/connectors.md.
 */
public final class PosixScheme implements Scheme {
    /** Its mounts have the type their URI names, so no kernel type is its own. */
    private static final Facts FACTS = new Facts("posix", -1, Set.of("vfsType", "options", UriParts.READ_CHECK), Makes.MOUNT, Set.of());
    /** A file-system type as {@code mount -t} takes one, never a comma-separated list of them. */
    public static final Pattern VFS_TYPE = VfsType.GRAMMAR;

    /** Any path (a local device has no host); vfsType is required, one type as {@code mount -t} takes it. */
    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        parts.refuseUserInfo();
        String path = parts.path("path");
        UriParts.checked("path", () -> new RemotePath(path));
        if (parts.host().isEmpty() && parts.port() != -1) {
            throw new InvalidUriException("posix uri has a port but no host");
        }
        String vfsType = parts.param("vfsType");
        if (vfsType != null && !VFS_TYPE.matcher(vfsType).matches()
                && VFS_TYPE.matcher(vfsType.toLowerCase(Locale.ROOT)).matches()) {
            // mount -t and the kernel take file system types in lower case only.
            throw new InvalidUriException("posix uri's vfsType is a file system type in lower case, as mount -t takes it"
                    + " (e.g. vfsType=" + vfsType.toLowerCase(Locale.ROOT) + ")");
        }
        if (vfsType == null || !VFS_TYPE.matcher(vfsType).matches()) {
            throw new InvalidUriException("posix uri needs vfsType=T, the file system type given to mount -t");
        }
        return parts.mountUri(path, Map.of("vfsType", vfsType));
    }

    /**
     * The source is {@code host[:port]:/path}, or the path of a local device or file; the port goes
     * in the source and as {@code port=P}, for the file systems that read either. There is no
     * protocol common to every type to ask the server with: mount says what is wrong.
     */
    @Override
    public Optional<MountSettings> mount(StorageUri uri) {
        String vfsType = uri.params().get("vfsType");
        MountSource source = new MountSource(uri.host().isEmpty() ? null : new Host(uri.hostAsWritten()), uri.port(),
                new RemotePath(uri.path()));
        List<MountOption> options = uri.port() == -1 ? List.of() : List.of(new MountOption("port", Integer.toString(uri.port())));
        return Optional.of(new MountSettings(new VfsType(vfsType), source, options, "", true,
                "the package with mount." + vfsType, Optional.empty()));
    }

    @Override
    public Optional<ConnectionKey> keyOfMount(String kernelType, String source) {
        return MountSettings.keyOfSource(FACTS.name(), source, "?vfsType=" + kernelType);
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
