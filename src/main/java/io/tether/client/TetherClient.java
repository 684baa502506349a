package io.tether.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import io.tether.connection.InvalidUriException;
import io.tether.connection.Text;
import io.tether.connection.UriParser;
import io.tether.messaging.Addresses;
import io.tether.messaging.BrokerCredentials;
import io.tether.messaging.Jms;
import io.tether.sealing.Sealer;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine side of Tether: calls methods on any host's worker and watches status events.
 *
 * <pre>{@code
 * // On the worker's machine, its embedded broker's engine login is <data-dir>/engine-credentials.
 * try (TetherClient client = TetherClient.connect("amqp://127.0.0.1:5672",
 *         BrokerCredentials.fromFile(Path.of("/var/lib/tether", "engine-credentials")))) {
 *     Results.Managed managed = client.manage("host1", "flow1-data", "file:///srv/data", Duration.ofSeconds(10));
 *     Results.StorageServerList list = client.list("host1", null, Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * The many-host methods ({@link #manage(Set, String, String, Duration)}, {@link #list(Set, String,
 * Duration)}, {@link #awaitConnected(Set, String, Duration)}, ...) send to every host before waiting
 * for any, and give one {@link HostResult} per host: a host that does not answer is reported as such
 * and holds up none of the others.
 *
 * Replies come back on one temporary queue and are matched by correlation-id. {@link #manage}
 * seals a URI with credentials for the host, so no secret crosses the broker in clear. A status
 * event is taken as coming from the host whose address it was published on, which the broker
 * checks ({@link #watchByHost}), never from what its body says. Thread-safe.
 */
public final class TetherClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TetherClient.class);

    private final Connection connection;
    private final Session session;
    private final MessageProducer producer;
    private final TemporaryQueue replyQueue;
    private final MessageConsumer replyConsumer;
    private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    /** Each host's public sealing key, fetched once (see {@link #manage}). */
    private final Map<String, Sealer> sealers = new ConcurrentHashMap<>();
    /** Hosts whose key was given ({@link #pinSealingKey}), never fetched through the broker. */
    private final java.util.Set<String> pinned = ConcurrentHashMap.newKeySet();
    /** Requests without a reply yet, by correlation id: sent again when a failover reconnects. */
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    /** Events dropped because their body named another host than their address ({@link #refusedEvents()}). */
    private final AtomicLong refusedEvents = new AtomicLong();
    /** Hosts whose address carried an event in another host's name: each is logged once. */
    private final Set<String> refusedFrom = ConcurrentHashMap.newKeySet();

    private record Pending(String hostId, String body) {
    }

    /** Whether the URL is a failover one: a send lost with a connection then goes again on the next. */
    private final boolean failover;

    private TetherClient(Connection connection, boolean failover) throws JMSException {
        this.connection = connection;
        this.failover = failover;
        if (connection instanceof org.apache.qpid.jms.JmsConnection jms) {
            jms.addConnectionListener(new FailoverListener());
        }
        this.session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        this.producer = session.createProducer(null);
        this.replyQueue = session.createTemporaryQueue();
        this.replyConsumer = session.createConsumer(replyQueue);
        replyConsumer.setMessageListener(this::onReply);
        connection.start();
    }

    /** Connects to the broker; fails at once when it is unreachable. */
    public static TetherClient connect(String brokerUrl, String user, String password) throws JMSException {
        BrokerCredentials login = user == null ? null : new BrokerCredentials(user, password == null ? "" : password);
        return connect(brokerUrl, login == null ? null : () -> login);
    }

    /**
     * Connects with the login {@code login} gives at every (re)connection: with
     * {@code BrokerCredentials.fromFile(dataDir.resolve("engine-credentials"))}, a client on a
     * worker's machine follows the login its embedded broker makes anew at each start.
     */
    public static TetherClient connect(String brokerUrl, Supplier<BrokerCredentials> login) throws JMSException {
        Connection connection = Jms.connect(brokerUrl, login, false);
        try {
            return new TetherClient(connection, brokerUrl.strip().regionMatches(true, 0, "failover:", 0, 9));
        } catch (JMSException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * Calls {@code method} on {@code hostId}'s worker and returns its {@code result}. The params go
     * out as given: to manage a URI with credentials use {@link #manage}, which seals it.
     *
     * @throws RpcException the worker answered with a JSON-RPC error
     * @throws TimeoutException no answer within {@code timeout}
     */
    public JsonNode call(String hostId, String method, Map<String, ?> params, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(callAsync(hostId, method, params, timeout));
    }

    /**
     * Like {@link #call}, without waiting: the future completes with the {@code result}, or fails
     * with {@link RpcException}, {@link TimeoutException} (no answer within {@code timeout}) or
     * {@link JMSException} (the broker refused the request). Many can be in flight at once; the
     * many-host methods ({@link #call(Set, String, Map, Duration)}, ...) are built on it.
     */
    public CompletableFuture<JsonNode> callAsync(String hostId, String method, Map<String, ?> params, Duration timeout) {
        String id = UUID.randomUUID().toString();
        ObjectNode request = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", JsonRpc.MAPPER.valueToTree(params));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        String body = JsonRpc.write(request);
        long bytes = JsonRpc.utf8Length(body);
        if (bytes > JsonRpc.MAX_BODY_BYTES) {
            // The worker reads no more; the broker moves a bigger message to DLQ before any worker sees it.
            return CompletableFuture.failedFuture(RpcException.of(ErrorCode.INVALID_REQUEST, "the request to host " + hostId
                    + " is " + bytes + " bytes of UTF-8, over the " + JsonRpc.MAX_BODY_BYTES + " a worker takes; nothing was sent"));
        }
        pending.put(id, new Pending(hostId, body));
        reply.whenComplete((r, e) -> {
            waiting.remove(id);
            pending.remove(id);
        });
        try {
            send(id, hostId, body, reply::completeExceptionally);
        } catch (JMSException | RuntimeException e) {
            reply.completeExceptionally(e);
            return reply;
        }
        return reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                throw new CompletionException(cause instanceof TimeoutException
                        ? new TimeoutException("host " + hostId + " did not answer " + method + " within " + timeout.toMillis()
                                + " ms (is its worker running and connected to this broker?)")
                        : cause);
            }
            if (response.has("error")) {
                throw new CompletionException(new RpcException(response.get("error")));
            }
            return response.get("result");
        });
    }

    /** Waits for {@code future} of this client and throws what it failed with, as the blocking methods declare. */
    private static <T> T join(CompletableFuture<T> future)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof JMSException jms) {
                throw jms;
            }
            if (cause instanceof RpcException rpc) {
                throw rpc;
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

    static Throwable unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private void send(String id, String hostId, String body) throws JMSException {
        send(id, hostId, body, null);
    }

    /**
     * Sends a request. With {@code refused} it does not wait for the broker to take it (a JMS 2.0
     * asynchronous send: many requests, to many hosts, go out without a broker round trip each),
     * and a refusal the broker reports later goes to {@code refused}; without, it waits.
     */
    private void send(String id, String hostId, String body, Consumer<JMSException> refused) throws JMSException {
        synchronized (session) {
            TextMessage message = session.createTextMessage(body);
            message.setJMSReplyTo(replyQueue);
            message.setJMSCorrelationID(id);
            jakarta.jms.Queue queue = session.createQueue(Addresses.requests(hostId));
            try {
                if (refused == null) {
                    producer.send(queue, message);
                } else {
                    producer.send(queue, message, new jakarta.jms.CompletionListener() {
                        @Override
                        public void onCompletion(Message sent) {
                        }

                        @Override
                        public void onException(Message sent, Exception e) {
                            if (e instanceof JMSSecurityException denied) {
                                refused.accept(refusal(hostId, denied));
                            } else if (!failover) {
                                refused.accept(e instanceof JMSException jms ? jms : wrap(e));
                            }
                            // Else lost with a connection that a failover replaces: the request
                            // stays pending and resendPending sends it again once reconnected.
                        }
                    });
                }
            } catch (JMSSecurityException e) {
                throw refusal(hostId, e);
            }
        }
    }

    /**
     * The broker has no queue for the host (and may not let an engine make one), or this login may
     * not send to it: nothing would ever answer, so say so now.
     */
    private static JMSSecurityException refusal(String hostId, JMSSecurityException e) {
        JMSSecurityException refused = new JMSSecurityException("host " + hostId + " has no request queue on this broker,"
                + " or this login may not send to it: " + e.getMessage(), e.getErrorCode());
        refused.initCause(e);
        return refused;
    }

    private static JMSException wrap(Exception e) {
        JMSException jms = new JMSException(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        jms.initCause(e);
        return jms;
    }

    /**
     * After a failover a reply may have been lost with the old connection (the broker restarted
     * before it reached us). Sending the same request again, with the same correlation id and body,
     * is safe: the worker recognises it and answers with the reply it recorded, without running it twice.
     */
    private void resendPending() {
        pending.forEach((id, p) -> {
            try {
                send(id, p.hostId(), p.body());
            } catch (JMSException e) {
                // The caller's timeout reports it.
            }
        });
    }

    /**
     * {@code manageStorageServer}: registers {@code cid} for {@code uri} on {@code hostId}. A URI with
     * credentials goes out sealed for the host ({@code sealedUri}), so the broker never holds the
     * secret in clear; so does one that does not parse (it may hold a secret where a typo is), and
     * the worker's error about it comes back as for a clear URI. The host's key is fetched once and
     * kept; when the host answers that it has another key now, it is fetched again and the manage
     * sent once more. {@code timeout} covers all of it.
     */
    public Results.Managed manage(String hostId, String cid, String uri, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(manageAsync(hostId, cid, uri, timeout));
    }

    /** Like {@link #manage}, without waiting (see {@link #callAsync} for how the future fails). */
    public CompletableFuture<Results.Managed> manageAsync(String hostId, String cid, String uri, Duration timeout) {
        if (!mayHoldSecret(uri)) {
            return callAsync(hostId, "manageStorageServer", Map.of("connectionId", cid, "uri", uri), timeout)
                    .thenApply(result -> typed(result, Results.Managed.class));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Sealer known = sealers.get(hostId);
        CompletableFuture<Sealer> sealer = known != null ? CompletableFuture.completedFuture(known)
                : sealingKeyAsync(hostId, left(deadline));
        return sealer.thenCompose(key -> manageSealed(hostId, cid, key.seal(uri), left(deadline))
                .exceptionallyCompose(e -> {
                    if (!(unwrap(e) instanceof RpcException rpc) || !keyChanged(rpc, key) || pinned.contains(hostId)) {
                        return CompletableFuture.failedFuture(unwrap(e));
                    }
                    return sealingKeyAsync(hostId, left(deadline))
                            .thenCompose(fresh -> manageSealed(hostId, cid, fresh.seal(uri), left(deadline)));
                }));
    }

    private CompletableFuture<Results.Managed> manageSealed(String hostId, String cid, String sealedUri, Duration timeout) {
        return callAsync(hostId, "manageStorageServer", Map.of("connectionId", cid, "sealedUri", sealedUri), timeout)
                .thenApply(result -> typed(result, Results.Managed.class));
    }

    /**
     * {@code getSealingKey}: fetches {@code hostId}'s public sealing key, and keeps it for
     * {@link #manage}. A host keeps its key across restarts; it has a new one only when its data
     * dir was replaced.
     */
    public Sealer sealingKey(String hostId, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(sealingKeyAsync(hostId, timeout));
    }

    private CompletableFuture<Sealer> sealingKeyAsync(String hostId, Duration timeout) {
        return callAsync(hostId, "getSealingKey", Map.of(), timeout).thenApply(result -> {
            Results.PublicSealingKey key = typed(result, Results.PublicSealingKey.class);
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

    /**
     * Uses {@code sealer} for {@code hostId}'s URIs from now on, and never fetches that host's key
     * through the broker: for a client that has the key from a trusted place (the CLI on a worker's
     * machine reads it from the data dir), so nothing posing as the host can hand out its own.
     */
    public void pinSealingKey(String hostId, Sealer sealer) {
        sealers.put(hostId, sealer);
        pinned.add(hostId);
    }

    /** Sent in clear only when it parses and carries no credentials. */
    private static boolean mayHoldSecret(String uri) {
        try {
            return UriParser.parse(uri).hasCredentials();
        } catch (InvalidUriException e) {
            return true;
        }
    }

    /** The host refused a sealed URI because its key is not the one it was sealed for. */
    private static boolean keyChanged(RpcException e, Sealer sealer) {
        JsonNode data = e.error().path("data");
        return e.errorCode().orElse(null) == ErrorCode.INVALID_PARAMS && "sealedUri".equals(data.path("field").asText())
                && data.hasNonNull("keyId") && !data.path("keyId").asText().equals(sealer.keyId());
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
    }

    /** {@code unmanageStorageServer} of one CID. */
    public Results.Unmanaged unmanage(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(unmanageAsync(hostId, Map.of("connectionId", cid), timeout));
    }

    /** {@code unmanageStorageServer} of every CID starting with {@code prefix}. */
    public Results.Unmanaged unmanagePrefix(String hostId, String prefix, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(unmanageAsync(hostId, Map.of("connectionIdPrefix", prefix), timeout));
    }

    private CompletableFuture<Results.Unmanaged> unmanageAsync(String hostId, Map<String, String> params, Duration timeout) {
        return callAsync(hostId, "unmanageStorageServer", params, timeout)
                .thenApply(result -> typed(result, Results.Unmanaged.class));
    }

    /**
     * {@code getStorageServerList}, every page of it: the entries of all {@code hostId}'s CIDs (those
     * starting with {@code prefix}; null for everything) and of its unmanaged connections, in the
     * order the worker lists them. {@code timeout} covers all the pages, not each.
     *
     * <p>Each page is consistent with its own seq, and a long list's pages come from different
     * moments: the result's {@code seq} is the lowest of its pages' seqs, and each entry is as recent
     * as its page, that is it holds every change up to at least that seq (maybe some after). To
     * follow events from a list exactly, page with {@link #listPage} and keep each page's seq.
     */
    public Results.StorageServerList list(String hostId, String prefix, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return join(listAsync(hostId, prefix, timeout));
    }

    private CompletableFuture<Results.StorageServerList> listAsync(String hostId, String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Built from the pages' JSON, not from the record's components: only seq and connections make a whole list.
        return ListPages.all(after -> listPageAsync(hostId, prefix, after, null, deadline, timeout))
                .thenApply(result -> typed(result, Results.StorageServerList.class));
    }

    /**
     * One page of {@code getStorageServerList}, for a caller that pages itself: the entries after
     * {@code after} (null or empty for the first page, else the {@link ListPage#next()} of the page
     * before), at most {@code limit} of them (1 to 1000; null for the worker's default, 1000). A page
     * may hold fewer entries than {@code limit}, even none, and not be the last: only a null
     * {@code next} ends the list.
     */
    public ListPage listPage(String hostId, String prefix, String after, Integer limit, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        JsonNode page = join(listPageAsync(hostId, prefix, after, limit, System.nanoTime() + timeout.toNanos(), timeout));
        if (!page.path("seq").isIntegralNumber() || !page.path("connections").isObject()) {
            throw new IllegalStateException("the worker's result does not match a list page");
        }
        return new ListPage(page.path("seq").asLong(), typed(page.path("connections"), ENTRIES), ListPages.next(page));
    }

    private static final TypeReference<LinkedHashMap<String, Results.Entry>> ENTRIES = new TypeReference<>() {
    };

    /**
     * A page of the list, asked for before {@code deadline}; no answer in time is reported against
     * {@code timeout}, the time the caller gave for all its pages.
     */
    private CompletableFuture<JsonNode> listPageAsync(String hostId, String prefix, String after, Integer limit, long deadline,
            Duration timeout) {
        return callAsync(hostId, GET_LIST, listParams(prefix, after, limit), left(deadline)).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            if (cause instanceof TimeoutException) {
                cause = new TimeoutException(after == null || after.isEmpty()
                        ? "host " + hostId + " did not answer " + GET_LIST + " within " + timeout.toMillis()
                                + " ms (is its worker running and connected to this broker?)"
                        : "host " + hostId + " did not send the rest of its list within " + timeout.toMillis()
                                + " ms (its first pages came)");
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private static final String GET_LIST = "getStorageServerList";

    /** The params of a list request, each only when given. */
    private static Map<String, Object> listParams(String prefix, String after, Integer limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (prefix != null) {
            params.put("connectionIdPrefix", prefix);
        }
        if (after != null) {
            params.put("after", after);
        }
        if (limit != null) {
            params.put("limit", limit);
        }
        return params;
    }

    // Many hosts at once: every request goes out before any answer is awaited, and each host's
    // outcome is its own (HostResult). Results come back in the order of the hosts given.

    /** {@link #call} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<JsonNode>> call(Set<String> hosts, String method, Map<String, ?> params, Duration timeout)
            throws InterruptedException {
        return onHosts(hosts, host -> callAsync(host, method, params, timeout));
    }

    /** {@link #manage} of {@code cid} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Managed>> manage(Set<String> hosts, String cid, String uri, Duration timeout)
            throws InterruptedException {
        return onHosts(hosts, host -> manageAsync(host, cid, uri, timeout));
    }

    /** {@link #unmanage} of {@code cid} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Unmanaged>> unmanage(Set<String> hosts, String cid, Duration timeout)
            throws InterruptedException {
        return onHosts(hosts, host -> unmanageAsync(host, Map.of("connectionId", cid), timeout));
    }

    /** {@link #unmanagePrefix} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Unmanaged>> unmanagePrefix(Set<String> hosts, String prefix, Duration timeout)
            throws InterruptedException {
        return onHosts(hosts, host -> unmanageAsync(host, Map.of("connectionIdPrefix", prefix), timeout));
    }

    /** {@link #list} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.StorageServerList>> list(Set<String> hosts, String prefix, Duration timeout)
            throws InterruptedException {
        return onHosts(hosts, host -> listAsync(host, prefix, timeout));
    }

    /**
     * {@link #awaitConnected} of {@code cid} on every host in {@code hosts} at once, with one
     * subscription to every host's events; one result per host. A host that does not answer the
     * first list within {@code timeout} has a {@link TimeoutException}; one that answers and does
     * not connect in time has the outcome TIMEOUT.
     */
    public Map<String, HostResult<WaitResult>> awaitConnected(Set<String> hosts, String cid, Duration timeout)
            throws JMSException, InterruptedException {
        return awaitAll(hosts, cid, timeout, false);
    }

    /** {@link #tryOnce} on every host in {@code hosts} at once; see {@link #awaitConnected(Set, String, Duration)}. */
    public Map<String, HostResult<WaitResult>> tryOnce(Set<String> hosts, String cid, Duration timeout)
            throws JMSException, InterruptedException {
        return awaitAll(hosts, cid, timeout, true);
    }

    private static <T> Map<String, HostResult<T>> onHosts(Set<String> hosts, Function<String, CompletableFuture<T>> call)
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

    private static <T> HostResult<T> outcome(String host, CompletableFuture<T> future) throws InterruptedException {
        try {
            return HostResult.ok(host, future.get());
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            return HostResult.failed(host, cause instanceof Exception ex ? ex : new IllegalStateException(cause));
        }
    }

    private static <T> T typed(JsonNode result, Class<T> type) {
        try {
            return JsonRpc.MAPPER.treeToValue(result, type);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's result does not match " + type.getSimpleName(), e);
        }
    }

    private static <T> T typed(JsonNode result, TypeReference<T> type) {
        try {
            return JsonRpc.MAPPER.readerFor(type).readValue(result);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's result does not match " + type.getType().getTypeName(), e);
        }
    }

    /** What {@link #watchByHost} hands over: a status event and the host it came from. */
    @FunctionalInterface
    public interface StatusListener {
        /** {@code params} of an event published on {@code hostId}'s status address, whose body names that host. */
        void onEvent(String hostId, JsonNode params);

        /**
         * The first event from {@code hostId}'s address whose body names another host, {@code named}
         * (null if none): it was dropped, as are the next ones, without another call.
         */
        default void onRefused(String hostId, String named) {
        }
    }

    /**
     * Delivers every status event of {@code hostId} (or of all hosts when null) to {@code listener},
     * as the notification's {@code params}, until the returned handle is closed. What
     * {@link #watchByHost} says of the host holds: {@code params.hostId} is it.
     */
    public AutoCloseable watch(String hostId, Consumer<JsonNode> listener) throws JMSException {
        return watchByHost(hostId, (host, params) -> listener.accept(params));
    }

    /**
     * Delivers every status event of {@code hostId} (or of all hosts when null) to {@code listener}
     * with the host it came from, until the returned handle is closed.
     *
     * <p>That host is the one whose status address the event was published on, which only its own
     * worker may send to: the subscription's selector ({@link Addresses#OWN_ADDRESS_SELECTOR}) has
     * the broker deliver only events whose {@code statusAddress} property is the address it routed
     * them to. An event whose body names another host (a host speaking for another, on its own
     * address) is dropped, counted ({@link #refusedEvents()}) and logged once per host.
     */
    public AutoCloseable watchByHost(String hostId, StatusListener listener) throws JMSException {
        Session events = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        String topic = hostId == null ? Addresses.ALL_STATUS : Addresses.status(hostId);
        MessageConsumer consumer = events.createConsumer(events.createTopic(topic), Addresses.OWN_ADDRESS_SELECTOR);
        consumer.setMessageListener(message -> deliver(hostId, message, listener));
        return events::close;
    }

    private void deliver(String watched, Message message, StatusListener listener) {
        String host;
        JsonNode params;
        try {
            host = Addresses.hostOfStatus(message.getStringProperty(Addresses.STATUS_ADDRESS_PROPERTY)).orElse(null);
            params = JsonRpc.MAPPER.readTree(((TextMessage) message).getText()).get("params");
        } catch (Exception e) {
            return; // not a status event: nothing to tell
        }
        if (host == null || params == null || !params.isObject()) {
            return;
        }
        String named = params.path("hostId").asText(null);
        if (!host.equals(named) || (watched != null && !watched.equals(host))) {
            refusedEvents.incrementAndGet();
            if (refusedFrom.add(host)) {
                // Quoted and cut short: the name is whatever the sender wrote.
                LOG.warn("dropped a status event published on {}'s address that names host {} in its body; {}'s events"
                        + " that name another host are dropped from now on without a word", host,
                        named == null ? "none" : TextNode.valueOf(Text.shorten(named)).toString(), host);
                try {
                    listener.onRefused(host, named);
                } catch (RuntimeException e) {
                    // The listener's own failure: the event stays dropped.
                }
            }
            return;
        }
        try {
            listener.onEvent(host, params);
        } catch (RuntimeException e) {
            // A listener's own failure must not stop the stream of events.
        }
    }

    /**
     * How many status events this client dropped because their body named another host than the
     * one whose address they were published on (see {@link #watchByHost}).
     */
    public long refusedEvents() {
        return refusedEvents.get();
    }

    /**
     * Calls {@code listener} once the connection to the broker has failed for good: the broker
     * went away (a plain URL), or a failover URL ran out of reconnect attempts. A subscription made
     * with {@link #watch} delivers nothing more after that.
     */
    public void onConnectionLost(Consumer<JMSException> listener) throws JMSException {
        connection.setExceptionListener(listener::accept);
    }

    /** How a wait for a CID ended. */
    public enum WaitOutcome {
        /** The CID's connection is connected. */
        CONNECTED,
        /** With try-once: the connection reported an error ({@link WaitResult#lastError()}). */
        FAILED,
        /** The CID was unmanaged while waiting. */
        UNMANAGED,
        /** Neither happened within the timeout. */
        TIMEOUT
    }

    /** The end of {@link #awaitConnected} or {@link #tryOnce}; {@code lastError} is null unless FAILED. */
    public record WaitResult(WaitOutcome outcome, JsonNode lastError) {
    }

    /**
     * Waits until {@code cid}'s connection is connected, however many attempts that takes, or until
     * the timeout. Built on list-then-watch (docs/protocol.md section 5), never on polling.
     *
     * @throws RpcException if the host does not manage {@code cid}
     */
    public WaitResult awaitConnected(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return await(hostId, cid, timeout, false);
    }

    /**
     * Like {@link #awaitConnected}, but stops at the first failure: an engine flow that wants one
     * attempt and no waiting for a target that is down.
     */
    public WaitResult tryOnce(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return await(hostId, cid, timeout, true);
    }

    private WaitResult await(String hostId, String cid, Duration timeout, boolean stopAtError)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        HostResult<WaitResult> result = awaitAll(Set.of(hostId), cid, timeout, stopAtError).get(hostId);
        if (result.ok()) {
            return result.value();
        }
        return join(CompletableFuture.failedFuture(result.failure()));
    }

    private Map<String, HostResult<WaitResult>> awaitAll(Set<String> hosts, String cid, Duration timeout, boolean stopAtError)
            throws JMSException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, CidWaiter> waiters = new LinkedHashMap<>();
        for (String host : hosts) {
            waiters.put(host, new CidWaiter(host, cid, stopAtError, timeout, deadline,
                    (after, left) -> callAsync(host, GET_LIST, listParams(cid, after, null), left)));
        }
        String only = hosts.size() == 1 ? hosts.iterator().next() : null;
        // Subscribe before the snapshots: no event can fall between the two. Each event goes to the
        // waiter of the host it was published by, whatever host its body names.
        AutoCloseable subscription = watchByHost(only, (host, event) -> {
            CidWaiter waiter = waiters.get(host);
            if (waiter != null) {
                waiter.onEvent(event);
            }
        });
        try {
            for (CidWaiter waiter : waiters.values()) {
                waiter.snapshot();
                CompletableFuture.delayedExecutor(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS)
                        .execute(waiter::expire);
            }
            Map<String, HostResult<WaitResult>> results = new LinkedHashMap<>();
            for (CidWaiter waiter : waiters.values()) {
                results.put(waiter.host, outcome(waiter.host, waiter.done));
            }
            return results;
        } finally {
            try {
                subscription.close();
            } catch (Exception e) {
                // The waits are over; a subscription that does not close cleanly changes none of them.
            }
        }
    }

    /** Resends unanswered requests once a failover has reconnected (only that event matters here). */
    private final class FailoverListener implements org.apache.qpid.jms.JmsConnectionListener {
        @Override
        public void onConnectionRestored(java.net.URI remote) {
            // Not on Qpid's own thread: a send from there would wait on itself.
            CompletableFuture.runAsync(TetherClient.this::resendPending);
        }

        @Override
        public void onConnectionEstablished(java.net.URI remote) {
        }

        @Override
        public void onConnectionFailure(Throwable error) {
        }

        @Override
        public void onConnectionInterrupted(java.net.URI remote) {
        }

        @Override
        public void onInboundMessage(org.apache.qpid.jms.message.JmsInboundMessageDispatch envelope) {
        }

        @Override
        public void onSessionClosed(jakarta.jms.Session closed, Throwable cause) {
        }

        @Override
        public void onConsumerClosed(MessageConsumer closed, Throwable cause) {
        }

        @Override
        public void onProducerClosed(MessageProducer closed, Throwable cause) {
        }
    }

    private void onReply(Message message) {
        try {
            JsonNode body = JsonRpc.MAPPER.readTree(((TextMessage) message).getText());
            String correlation = message.getJMSCorrelationID();
            CompletableFuture<JsonNode> future = correlation == null ? null : waiting.get(correlation);
            if (future != null) {
                future.complete(body);
            }
        } catch (Exception e) {
            // Not a reply of ours; nothing waits for it.
        }
    }

    @Override
    public void close() throws JMSException {
        connection.close();
    }
}
