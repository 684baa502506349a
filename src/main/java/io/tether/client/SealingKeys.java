package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.api.ErrorCode;
import io.tether.api.Results;
import io.tether.sealing.Sealer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Each host's public sealing key, fetched once ({@code getSealingKey}) and kept, or pinned by the
 * caller and then never fetched through the broker. A host keeps its key across restarts; it has a
 * new one only when its data dir was replaced, which {@link #withKey} notices and mends.
 */
final class SealingKeys {
    private final RpcChannel rpc;
    private final Map<String, Sealer> sealers = new ConcurrentHashMap<>();
    /** Hosts whose key was given ({@link #pin}), never fetched through the broker. */
    private final Set<String> pinned = ConcurrentHashMap.newKeySet();
    /** Where a pinned key not read yet comes from, read when a URI is first sealed for its host. */
    private final Map<String, Supplier<Sealer>> sources = new ConcurrentHashMap<>();

    SealingKeys(RpcChannel rpc) {
        this.rpc = rpc;
    }

    /** Fetches {@code hostId}'s key and keeps it (unless the host's key is pinned). */
    CompletableFuture<Sealer> fetch(String hostId, Duration timeout) {
        return rpc.call(hostId, "getSealingKey", Map.of(), timeout).thenApply(result -> {
            Results.PublicSealingKey key = Typed.as(result, Results.PublicSealingKey.class);
            Sealer sealer;
            try {
                sealer = Sealer.fromJwk(key.jwk());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("host " + hostId + " handed out an unusable sealing key: " + e.getMessage());
            }
            if (!pinned.contains(hostId)) {
                sealers.put(hostId, sealer);
            }
            return sealer;
        });
    }

    /** Uses {@code sealer} for {@code hostId} from now on, and never fetches that host's key. */
    void pin(String hostId, Sealer sealer) {
        sources.remove(hostId);
        sealers.put(hostId, sealer);
        pinned.add(hostId);
    }

    /** Uses the key {@code source} gives for {@code hostId}, asked when first needed; never fetches that host's key. */
    void pin(String hostId, Supplier<Sealer> source) {
        sealers.remove(hostId);
        sources.put(hostId, source);
        pinned.add(hostId);
    }

    /**
     * Runs {@code use} with {@code hostId}'s key, fetched if not known yet; when the host answers
     * that it has another key now, fetches it again (unless pinned) and runs {@code use} once more.
     * {@code timeout} covers all of it.
     */
    <T> CompletableFuture<T> withKey(String hostId, Duration timeout, Function<Sealer, CompletableFuture<T>> use) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Sealer known = known(hostId);
        CompletableFuture<Sealer> sealer = known != null ? CompletableFuture.completedFuture(known)
                : fetch(hostId, left(deadline));
        return sealer.thenCompose(key -> use.apply(key).exceptionallyCompose(e -> {
            Throwable cause = RpcChannel.unwrap(e);
            if (!(cause instanceof RpcException rpcError) || !keyChanged(rpcError, key) || pinned.contains(hostId)) {
                return CompletableFuture.failedFuture(cause);
            }
            return fetch(hostId, left(deadline)).thenCompose(use);
        }));
    }

    /** {@code hostId}'s key if known or pinned (read from its source now if not yet), else null. */
    private Sealer known(String hostId) {
        Supplier<Sealer> source = sources.get(hostId);
        return source == null ? sealers.get(hostId) : sealers.computeIfAbsent(hostId, host -> source.get());
    }

    /** The host refused a sealed URI because its key is not the one it was sealed for. */
    private static boolean keyChanged(RpcException e, Sealer sealer) {
        JsonNode data = e.error().path("data");
        return e.errorCode().orElse(null) == ErrorCode.INVALID_PARAMS && "sealedUri".equals(data.path("field").asText())
                && data.hasNonNull("keyId") && !data.path("keyId").asText().equals(sealer.keyId());
    }

    /** The time left until {@code deadline} ({@link System#nanoTime()}), never negative. */
    static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
    }
}
