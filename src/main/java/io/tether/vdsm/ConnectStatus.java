package io.tether.vdsm;

import io.tether.connector.VdsmError;

/**
 * The status VDSM's connectStorageServer answers for a connection that failed, from the error the
 * worker recorded for it ({@code lastError.code}): the number VDSM gives the same failure
 * (oVirt's vdsm, {@code storageServer.py}'s {@code translate_error}). Tether's connectors number
 * some failures more finely than VDSM's connect does, because Tether checks before it acts: a mount
 * type's server that does not answer is 451 in Tether, found before mounting, while VDSM only finds
 * it when its mount fails (477); a local directory that is not one is 453 in Tether, VDSM's
 * {@code InvalidParameterException} (1000); an iSCSI login that fails is 464 in Tether, while VDSM's
 * connect answers every iscsiadm failure but CHAP and interface errors with 465. Every other number
 * is VDSM's already (docs/operations.md, "Migrating from VDSM").
 */
public final class ConnectStatus {
    /** VDSM's {@code InvalidParameterException}, which it raises for a LOCALFS path that is not a directory. */
    public static final int INVALID_PARAMETER = 1000;

    private ConnectStatus() {
    }

    /** What VDSM answers for a {@code type} connection whose connect failed with Tether's {@code code}. */
    public static int of(DomainType type, int code) {
        return switch (type) {
            case NFS, POSIXFS, GLUSTERFS -> code == VdsmError.StorageServerConnectionError.code()
                    || code == VdsmError.StorageServerValidationError.code() ? VdsmError.MountError.code() : code;
            case LOCALFS -> code == VdsmError.StorageServerValidationError.code() ? INVALID_PARAMETER : code;
            case ISCSI -> code == VdsmError.iSCSILoginError.code() || code == VdsmError.StorageServerConnectionError.code()
                    ? VdsmError.iSCSISetupError.code() : code;
            case FCP -> code;
        };
    }
}
