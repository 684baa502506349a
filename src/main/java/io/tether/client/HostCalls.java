package io.tether.client;

import jakarta.jms.JMSException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The two shapes of a {@link TetherClient} operation over its futures: one host, whose result is
 * returned or whose failure is thrown as the method declares, and many hosts, each with its own
 * {@link HostResult}.
 */
final class HostCalls {
    private HostCalls() {
    }

    /** Starts {@code call} on every host before waiting for any; each host's outcome is its own, in the order of {@code hosts}. */
    static <T> Map<String, HostResult<T>> onHosts(Set<String> hosts, Function<String, CompletableFuture<T>> call)
            throws InterruptedException {
        Map<String, CompletableFuture<T>> started = new LinkedHashMap<>();
        for (String host : hosts) {
            CompletableFuture<T> future;
            try {
                future = call.apply(host);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            started.put(host, future);
        }
        Map<String, HostResult<T>> results = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<T>> e : started.entrySet()) {
            results.put(e.getKey(), outcome(e.getKey(), e.getValue()));
        }
        return results;
    }

    /** Waits for {@code host}'s {@code future}: its result, or why there is none. */
    static <T> HostResult<T> outcome(String host, CompletableFuture<T> future) throws InterruptedException {
        try {
            return HostResult.ok(host, future.get());
        } catch (ExecutionException e) {
            Throwable cause = RpcChannel.unwrap(e);
            return HostResult.failed(host, cause instanceof Exception ex ? ex : new IllegalStateException(cause));
        }
    }

    /** {@code hostId}'s result, or what it failed with, thrown as a one-host method declares it. */
    static <T> T one(String hostId, Map<String, HostResult<T>> results)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        HostResult<T> result = results.get(hostId);
        return result.ok() ? result.value() : join(CompletableFuture.failedFuture(result.failure()));
    }

    /** Waits for {@code future} and throws what it failed with, as the one-host methods declare. */
    static <T> T join(CompletableFuture<T> future) throws JMSException, RpcException, TimeoutException, InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = RpcChannel.unwrap(e);
            if (cause instanceof JMSException jms) {
                throw jms;
            }
            if (cause instanceof RpcException rpcError) {
                throw rpcError;
            }
            if (cause instanceof TimeoutException timeout) {
                throw timeout;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        }
    }
}
