package io.tether.vdsm;

import java.util.Arrays;
import java.util.Optional;

/** VDSM's storage domain types, numbered as VDSM's {@code domainType} parameter numbers them. */
public enum DomainType {
    NFS(1), FCP(2), ISCSI(3), LOCALFS(4), POSIXFS(6), GLUSTERFS(7);

    private final int number;

    DomainType(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The type VDSM numbers {@code number}, if it is one. */
    public static Optional<DomainType> of(int number) {
        return Arrays.stream(values()).filter(t -> t.number == number).findFirst();
    }
}
