package io.tether.argv;

import java.util.Objects;

/**
 * A libiscsi URL without credentials, {@code iscsi://host:port/IQN/LUN}, for {@code iscsi-inq};
 * the credentials go in its environment.
 */
public record IscsiUrl(Host host, int port, Iqn iqn, int lun) implements Arg {
    public IscsiUrl {
        Objects.requireNonNull(host);
        Objects.requireNonNull(iqn);
        if (port < 1 || port > 65535 || lun < 0 || lun > 16383) {
            throw new IllegalArgumentException("has a port or LUN out of range");
        }
    }

    @Override
    public String text() {
        return "iscsi://" + host.text() + ":" + port + "/" + iqn.text() + "/" + lun;
    }
}
