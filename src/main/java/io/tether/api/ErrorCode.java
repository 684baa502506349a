package io.tether.api;

/**
 * Every error code of the wire contract. The enum name is sent as {@code error.data.name}, so a
 * client can switch on a stable word rather than a number.
 */
public enum ErrorCode {
    PARSE_ERROR(-32700),
    INVALID_REQUEST(-32600),
    METHOD_NOT_FOUND(-32601),
    INVALID_PARAMS(-32602),
    INTERNAL_ERROR(-32603),
    /** The CID is managed with a different URI (VDSM's StorageServerConnectionRefIdAlreadyInUse). */
    CID_IN_USE(478),
    /** Unmanage of a CID this host does not manage (VDSM's ...RefIdDoesNotExist). */
    CID_NOT_FOUND(479),
    /** Same connection key as a managed connection, different options or credentials. */
    OPTIONS_CONFLICT(4100),
    /** Scheme not supported, or URI not parseable for its scheme. */
    UNSUPPORTED_URI(4101),
    /** The request could not be made durable; nothing was changed. */
    STORE_UNAVAILABLE(4102);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
