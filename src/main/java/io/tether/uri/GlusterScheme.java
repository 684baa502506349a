package io.tether.uri;

import io.tether.argv.GlusterVolume;
import io.tether.argv.Host;
import io.tether.argv.MountOption;
import io.tether.argv.MountSource;
import io.tether.argv.RemotePath;
import io.tether.argv.VfsType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code glusterfs://host[:port]/volume[/subdir][?backup-volfile-servers=h2:h3&options=a,b]}: a
 * GlusterFS volume, mounted under {@code glusterSD/} as VDSM does (docs/connectors.md, "Mount
 * directories"). The backup servers are a checked parameter, not a mount option: as an option they
 * could name any server for the client's volfile (docs/connectors.md, "GlusterFS backup servers").
 */
public final class GlusterScheme implements Scheme {
    /** The client is a FUSE file system: mountinfo says fuse.glusterfs. */
    private static final Facts FACTS = new Facts("glusterfs", 24007, Set.of("backup-volfile-servers", "options", UriParts.READ_CHECK),
            Makes.MOUNT, Set.of("glusterfs", "fuse.glusterfs"));
    /** The subdirectory of the mount root that holds GlusterFS mounts. */
    public static final String DIRECTORY = "glusterSD";

    /**
     * A volume name, then any subdirectory; backup servers are hosts as a URI writes them ([IPv6] in
     * brackets). mount.glusterfs is a shell script that runs the client's command line as unquoted
     * words: its parts are checked so that none can split into more words, expand as a file name
     * pattern, or move the volume ({@link RemotePath}: no ':' in the subdirectory).
     */
    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        String path = parts.serverPath("volume");
        if (path.equals("/")) {
            throw new InvalidUriException("glusterfs uri must name a volume: glusterfs://host/volume");
        }
        if (parts.hostAsWritten().startsWith("[")) {
            // mount.glusterfs takes the server from its spec with [a-zA-Z0-9:%,.-]*: no brackets.
            throw new InvalidUriException("host", "glusterfs host must be a host name or IPv4 address: mount.glusterfs"
                    + " cannot read an IPv6 address in its mount spec; name the server in DNS or /etc/hosts");
        }
        String volume = path.substring(1).split("/")[0];
        UriParts.checked("glusterfs volume", () -> new GlusterVolume(volume));
        UriParts.checked(path.equals("/" + volume) ? "glusterfs volume" : "glusterfs subdirectory", () -> new RemotePath(path));
        for (String option : parts.options()) {
            if (option.indexOf('[') >= 0 || option.indexOf(']') >= 0) {
                throw new InvalidUriException("options", "glusterfs mount options may not hold '[' or ']':"
                        + " mount.glusterfs would expand them as file name patterns");
            }
        }
        TreeMap<String, String> params = new TreeMap<>();
        String backups = parts.param("backup-volfile-servers");
        if (backups != null) {
            List<String> servers = new ArrayList<>();
            for (String server : splitServers(backups)) {
                servers.add(UriParser.host(server, "backup-volfile-servers entry"));
            }
            params.put("backup-volfile-servers", String.join(":", servers));
        }
        return parts.mountUri(path, params);
    }

    /**
     * The entries of a {@code backup-volfile-servers} list: separated by ':', an IPv6 address in
     * brackets, as mount.glusterfs reads the list.
     */
    private static List<String> splitServers(String list) throws InvalidUriException {
        List<String> servers = new ArrayList<>();
        int start = 0;
        while (true) {
            int end;
            if (list.startsWith("[", start)) {
                end = list.indexOf(']', start) + 1;
                if (end == 0) {
                    throw new InvalidUriException("backup-volfile-servers has an IPv6 address without its ']'");
                }
            } else {
                end = list.indexOf(':', start);
                end = end < 0 ? list.length() : end;
            }
            servers.add(list.substring(start, end));
            if (end == list.length()) {
                return servers;
            }
            if (list.charAt(end) != ':') {
                throw new InvalidUriException("backup-volfile-servers must be host names or [IPv6] addresses"
                        + " separated by ':'");
            }
            start = end + 1;
        }
    }

    /** The volume, with its subdirectory when the URI names one. */
    @Override
    public void putTarget(StorageUri uri, Map<String, Object> info) {
        info.put("volume", uri.path().substring(1));
    }

    /** {@code [backup-volfile-servers=h2:h3,][server-port=P]}; glusterd is asked with a TCP connect. */
    @Override
    public Optional<MountSettings> mount(StorageUri uri) {
        List<MountOption> options = new ArrayList<>();
        String backups = uri.params().get("backup-volfile-servers");
        if (backups != null) {
            options.add(new MountOption("backup-volfile-servers", backups));
        }
        if (uri.port() != -1) {
            options.add(new MountOption("server-port", Integer.toString(uri.port())));
        }
        ServerCheck glusterd = new ServerCheck.Tcp("GlusterFS server", uri.host(), uri.portOrDefault());
        MountSource source = new MountSource(new Host(uri.hostAsWritten()), -1, new RemotePath(uri.path()));
        return Optional.of(new MountSettings(new VfsType("glusterfs"), source, options, DIRECTORY, false,
                "glusterfs-client", Optional.of(glusterd)));
    }

    /**
     * The client shows a volume it reaches over RDMA as {@code volume.rdma}; VDSM drops the suffix
     * before comparing (docs/connectors.md, "Connected").
     */
    @Override
    public String specOfMount(String kernelType, String source) {
        return kernelType.equals("fuse.glusterfs") && source.endsWith(".rdma")
                ? source.substring(0, source.length() - ".rdma".length()) : source;
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
