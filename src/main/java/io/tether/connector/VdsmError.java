package io.tether.connector;

/**
 * VDSM's storage error numbers (docs/connectors.md, "Error numbers") used in {@code lastError.code}. The enum
 * name is VDSM's exception class name, sent as {@code lastError.name}.
 */
public enum VdsmError {
    GeneralException(100),
    StorageDomainFSNotMounted(360),
    FileStorageDomainStaleNFSHandle(384),
    StorageServerActionError(450),
    StorageServerConnectionError(451),
    StorageServerDisconnectionError(452),
    StorageServerValidationError(453),
    iSCSILoginError(464),
    iSCSISetupError(465),
    StorageServerAccessPermissionError(469),
    iSCSIifaceError(473),
    iSCSILogoutError(474),
    iSCSIDiscoveryError(475),
    iSCSILoginAuthError(476),
    MountError(477);

    private final int code;

    VdsmError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
