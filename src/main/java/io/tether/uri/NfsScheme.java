package io.tether.uri;

import io.tether.argv.Host;
import io.tether.argv.MountOption;
import io.tether.argv.MountSource;
import io.tether.argv.RemotePath;
import io.tether.argv.VfsType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code nfs://host[:port]/export/path[?version=auto|3|4|4.0|4.1|4.2&readCheck=FILE&retrans=N&timeo=N&options=a,b]}: an
 * NFS export, mounted with VDSM's options (docs/connectors.md, "NFS mount options"). The parameters
 * are checked here because Tether turns them into mount options itself.
 */
public final class NfsScheme implements Scheme {
    /** mountinfo says nfs for version 3, nfs4 for version 4. */
    private static final Facts FACTS = new Facts("nfs", 2049, Set.of("version", "retrans", "timeo", "options", UriParts.READ_CHECK),
            Makes.MOUNT, Set.of("nfs", "nfs4"));
    private static final Pattern VERSION = Pattern.compile("3|4|4\\.[012]");
    /** VDSM's: a minute to fail, not below sanlock's I/O timeout (docs/connectors.md, "NFS mount options"). */
    private static final String TIMEO = "100";
    private static final String RETRANS = "3";

    /** An export path; the version, retrans and timeo checked as mount.nfs takes them, since Tether passes them on. */
    @Override
    public StorageUri parse(UriParts parts) throws InvalidUriException {
        String path = parts.serverPath("export path");
        UriParts.checked("export path", () -> new RemotePath(path, true));
        TreeMap<String, String> params = new TreeMap<>();
        String version = parts.param("version");
        // "auto" is the same as no version: mount negotiates, and the probe reads back what it chose.
        if (version != null && !version.equals("auto")) {
            if (!VERSION.matcher(version).matches()) {
                throw new InvalidUriException("nfs version must be auto, 3, 4, 4.0, 4.1 or 4.2");
            }
            params.put("version", version);
        }
        for (String name : List.of("retrans", "timeo")) {
            String value = parts.param(name);
            if (value != null) {
                String number = Integer.toString(UriParser.positiveInt(name, value, 1, 1_000_000));
                // The default written out is the default: the same settings, the same URI.
                if (!number.equals(name.equals("timeo") ? TIMEO : RETRANS)) {
                    params.put(name, number);
                }
            }
        }
        return parts.mountUri(path, params);
    }

    /** {@code soft,nosharecache,timeo=100,retrans=3[,nfsvers=N[,minorversion=M]][,nolock][,port=P]}. */
    @Override
    public Optional<MountSettings> mount(StorageUri uri) {
        List<MountOption> options = new ArrayList<>();
        options.add(MountOption.flag("soft"));
        options.add(MountOption.flag("nosharecache"));
        options.add(new MountOption("timeo", uri.params().getOrDefault("timeo", TIMEO)));
        options.add(new MountOption("retrans", uri.params().getOrDefault("retrans", RETRANS)));
        String version = uri.params().get("version");
        if (version != null) {
            options.add(new MountOption("nfsvers", version.substring(0, 1)));
            if (version.length() == 3) {
                options.add(new MountOption("minorversion", version.substring(2)));
            }
            if (version.equals("3")) {
                options.add(MountOption.flag("nolock"));
            }
        }
        if (uri.port() != -1) {
            options.add(new MountOption("port", Integer.toString(uri.port())));
        }
        // A server that serves only NFS 4 does not answer a version 3 call: ask for the one mounted.
        int major = uri.params().getOrDefault("version", "4").charAt(0) - '0';
        MountSource source = new MountSource(new Host(uri.hostAsWritten()), -1, new RemotePath(uri.path(), true));
        return Optional.of(new MountSettings(new VfsType("nfs"), source, options, "", false, "nfs-common",
                Optional.of(new ServerCheck.NfsNull(uri.host(), uri.portOrDefault(), major))));
    }

    @Override
    public Facts facts() {
        return FACTS;
    }
}
