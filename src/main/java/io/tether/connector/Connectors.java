package io.tether.connector;

import io.tether.connection.StorageType;
import java.util.EnumMap;
import java.util.Map;

/** The connector for each storage type. */
public final class Connectors {
    private final Map<StorageType, Connector> byType;

    private Connectors(Map<StorageType, Connector> byType) {
        this.byType = new EnumMap<>(byType);
    }

    /** The connectors this version has: {@code file://} is real, the rest report they are missing. */
    public static Connectors defaults() {
        Map<StorageType, Connector> map = new EnumMap<>(StorageType.class);
        for (StorageType type : StorageType.values()) {
            map.put(type, new NotImplementedConnector(type));
        }
        map.put(StorageType.FILE, new LocalDirectoryConnector());
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
