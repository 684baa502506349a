package io.tether.client;

import java.util.concurrent.TimeoutException;

/**
 * One host's part of a call made on many hosts at once: the host's result, or why there is none.
 * The hosts' outcomes are independent: one that fails or does not answer leaves the others' results
 * as they are.
 *
 * @param hostId  the host
 * @param value   its result; null when {@code failure} is set
 * @param failure why there is no result: {@link RpcException} (the worker answered with an error),
 *                {@link TimeoutException} (no answer in time: the worker is down, or not connected
 *                to this broker), {@link jakarta.jms.JMSException} (the broker refused the request,
 *                e.g. no request queue for the host), or {@link IllegalStateException} (an answer
 *                this client cannot use); null on success
 */
public record HostResult<T>(String hostId, T value, Exception failure) {

    public static <T> HostResult<T> ok(String hostId, T value) {
        return new HostResult<>(hostId, value, null);
    }

    public static <T> HostResult<T> failed(String hostId, Exception failure) {
        return new HostResult<>(hostId, null, failure);
    }

    /** Whether the host answered with a result. */
    public boolean ok() {
        return failure == null;
    }

    /** Whether the host gave no answer in time (as opposed to answering with an error). */
    public boolean noAnswer() {
        return failure instanceof TimeoutException;
    }
}
