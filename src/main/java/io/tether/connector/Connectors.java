package io.tether.connector;

import io.tether.uri.Scheme;
import io.tether.uri.StorageType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/** The connector for each storage type, chosen by what its scheme makes on the host ({@link Scheme.Makes}). */
public final class Connectors {
    private final Map<StorageType, Connector> byType;

    private Connectors(Map<StorageType, Connector> byType) {
        this.byType = new EnumMap<>(byType);
    }

    /**
     * The real connectors of this host: mounts under {@code mountRoot} as far as {@code mountPolicy}
     * allows, iSCSI sessions through iscsiadm, NVMe/TCP controllers through nvme, local directories in {@code fileRoots}; every host
     * command bounded by {@code commandTimeout}.
     */
    public static Connectors forHost(Path mountRoot, Duration commandTimeout, MountPolicy mountPolicy, FileRoots fileRoots) {
        CommandRunner runner = new CommandRunner();
        MountTable mounts = MountTable.ofHost();
        Connector iscsi = new IscsiConnector(runner, IscsiSessions.ofHost(), commandTimeout);
        Connector nvme = NvmeConnector.ofHost(runner, commandTimeout, mountPolicy);
        Connector directories = new LocalDirectoryConnector(fileRoots, runner, mounts, commandTimeout);
        Map<StorageType, Connector> map = new EnumMap<>(StorageType.class);
        for (StorageType type : StorageType.values()) {
            map.put(type, switch (type.definition().facts().makes()) {
                case MOUNT -> new MountConnector(type, mountRoot, runner, mounts, commandTimeout, mountPolicy);
                case ISCSI_SESSION -> iscsi;
                case NVME_CONTROLLER -> nvme;
                case LOCAL_DIRECTORY -> directories;
            });
        }
        return new Connectors(map);
    }

    /** A copy with {@code connector} serving {@code type}. */
    public Connectors with(StorageType type, Connector connector) {
        Map<StorageType, Connector> map = new EnumMap<>(byType);
        map.put(type, connector);
        return new Connectors(map);
    }

    public Connector forType(StorageType type) {
        return byType.get(type);
    }
}
