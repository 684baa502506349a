package io.tether.api;

/**
 * How one call of a request ended: the method's result, or the error to answer with. Every call
 * has exactly one, whether it was answered at decoding (an invalid call, {@code getSealingKey}) or
 * by running its {@link Action}.
 */
public sealed interface Outcome permits Results.Managed, Results.Unmanaged, Results.StorageServerList,
        Results.PublicSealingKey, RpcError {
}
