package io.tether.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tether.api.ErrorCode;
import io.tether.api.JsonRpc;
import io.tether.api.Results;
import io.tether.api.StatusEvent;
import io.tether.connection.ConnectionState;
import io.tether.connection.InvalidUriException;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine side of Tether: calls methods on any host's worker and watches status events.
 *
 * <pre>{@code
 * // On the worker's machine, its embedded broker's engine login is <data-dir>/engine-credentials.
 * try (TetherClient client = TetherClient.connect("amqp://127.0.0.1:5672",
 *         BrokerCredentials.fromFile(Path.of("tether-data", "engine-credentials")))) {
 *     Results.Managed managed = client.manage("host1", "flow1-data", "file:///srv/data", Duration.ofSeconds(10));
 *     JsonNode list = client.call("host1", "getStorageServerList", Map.of(), Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * Replies come back on one temporary queue and are matched by correlation-id. {@link #manage}
 * seals a URI with credentials for the host, so no secret crosses the broker in clear. Thread-safe.
 */
public final class TetherClient implements AutoCloseable {
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

    private record Pending(String hostId, String body) {
    }

    private TetherClient(Connection connection) throws JMSException {
        this.connection = connection;
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
            return new TetherClient(connection);
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
        String id = UUID.randomUUID().toString();
        ObjectNode request = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        request.set("params", JsonRpc.MAPPER.valueToTree(params));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        String body = JsonRpc.write(request);
        pending.put(id, new Pending(hostId, body));
        try {
            send(id, hostId, body);
            JsonNode response = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (response.has("error")) {
                throw new RpcException(response.get("error"));
            }
            return response.get("result");
        } catch (ExecutionException e) {
            throw new IllegalStateException("reply future cannot fail", e);
        } catch (TimeoutException e) {
            throw new TimeoutException("host " + hostId + " did not answer " + method + " within " + timeout.toMillis()
                    + " ms (is its worker running and connected to this broker?)");
        } finally {
            waiting.remove(id);
            pending.remove(id);
        }
    }

    private void send(String id, String hostId, String body) throws JMSException {
        synchronized (session) {
            TextMessage message = session.createTextMessage(body);
            message.setJMSReplyTo(replyQueue);
            message.setJMSCorrelationID(id);
            try {
                producer.send(session.createQueue(Addresses.requests(hostId)), message);
            } catch (JMSSecurityException e) {
                // The broker has no queue for the host (and may not let an engine make one), or
                // this login may not send to it: nothing would ever answer, so say so now.
                JMSSecurityException refused = new JMSSecurityException("host " + hostId + " has no request queue on this broker,"
                        + " or this login may not send to it: " + e.getMessage(), e.getErrorCode());
                refused.initCause(e);
                throw refused;
            }
        }
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
        if (!mayHoldSecret(uri)) {
            return typed(call(hostId, "manageStorageServer", Map.of("connectionId", cid, "uri", uri), timeout),
                    Results.Managed.class);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Sealer sealer = sealers.get(hostId);
        if (sealer == null) {
            sealer = sealingKey(hostId, left(deadline));
        }
        try {
            return manageSealed(hostId, cid, sealer.seal(uri), left(deadline));
        } catch (RpcException e) {
            if (!keyChanged(e, sealer) || pinned.contains(hostId)) {
                throw e;
            }
            return manageSealed(hostId, cid, sealingKey(hostId, left(deadline)).seal(uri), left(deadline));
        }
    }

    private Results.Managed manageSealed(String hostId, String cid, String sealedUri, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return typed(call(hostId, "manageStorageServer", Map.of("connectionId", cid, "sealedUri", sealedUri), timeout),
                Results.Managed.class);
    }

    /**
     * {@code getSealingKey}: fetches {@code hostId}'s public sealing key, and keeps it for
     * {@link #manage}. A host keeps its key across restarts; it has a new one only when its data
     * dir was replaced.
     */
    public Sealer sealingKey(String hostId, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        Results.PublicSealingKey key = typed(call(hostId, "getSealingKey", Map.of(), timeout), Results.PublicSealingKey.class);
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
        return typed(call(hostId, "unmanageStorageServer", Map.of("connectionId", cid), timeout), Results.Unmanaged.class);
    }

    /** {@code unmanageStorageServer} of every CID starting with {@code prefix}. */
    public Results.Unmanaged unmanagePrefix(String hostId, String prefix, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return typed(call(hostId, "unmanageStorageServer", Map.of("connectionIdPrefix", prefix), timeout), Results.Unmanaged.class);
    }

    /** {@code getStorageServerList}; {@code prefix} may be null for everything. */
    public Results.StorageServerList list(String hostId, String prefix, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return typed(call(hostId, "getStorageServerList", prefix == null ? Map.of() : Map.of("connectionIdPrefix", prefix),
                timeout), Results.StorageServerList.class);
    }

    private static <T> T typed(JsonNode result, Class<T> type) {
        try {
            return JsonRpc.MAPPER.treeToValue(result, type);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's result does not match " + type.getSimpleName(), e);
        }
    }

    /**
     * Delivers every status event of {@code hostId} (or of all hosts when null) to {@code listener},
     * as the notification's {@code params}, until the returned handle is closed.
     */
    public AutoCloseable watch(String hostId, Consumer<JsonNode> listener) throws JMSException {
        Session events = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        String topic = hostId == null ? Addresses.ALL_STATUS : Addresses.status(hostId);
        MessageConsumer consumer = events.createConsumer(events.createTopic(topic));
        consumer.setMessageListener(message -> {
            try {
                listener.accept(JsonRpc.MAPPER.readTree(((TextMessage) message).getText()).get("params"));
            } catch (Exception e) {
                // A listener's own failure must not stop the stream of events.
            }
        });
        return events::close;
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
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.concurrent.BlockingQueue<JsonNode> events = new java.util.concurrent.LinkedBlockingQueue<>();
        // Subscribe before the snapshot: no event can fall between the two.
        try (AutoCloseable subscription = watch(hostId, events::add)) {
            long seq = -1;
            boolean snapshotNeeded = true;
            while (true) {
                if (snapshotNeeded) {
                    JsonNode list = call(hostId, "getStorageServerList", Map.of("connectionIdPrefix", cid),
                            Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000)));
                    JsonNode entry = list.path("connections").get(cid);
                    if (entry == null) {
                        throw RpcException.of(ErrorCode.CID_NOT_FOUND,
                                "connection ID \"" + cid + "\" is not managed on host " + hostId);
                    }
                    seq = list.path("seq").asLong();
                    WaitResult done = decide(entry.path("state").asText(), entry.path("lastError"), stopAtError);
                    if (done != null) {
                        return done;
                    }
                    snapshotNeeded = false;
                }
                long left = deadline - System.nanoTime();
                JsonNode event = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (event == null) {
                    return new WaitResult(WaitOutcome.TIMEOUT, null);
                }
                long eventSeq = event.path("seq").asLong();
                if (eventSeq <= seq) {
                    continue;
                }
                if (eventSeq > seq + 1) {
                    // Missed an event (e.g. a broker reconnect): start again from a fresh snapshot.
                    snapshotNeeded = true;
                    continue;
                }
                seq = eventSeq;
                if (contains(event.path("changedIds"), cid) && StatusEvent.Change.UNMANAGED.name().equals(event.path("change").asText())) {
                    return new WaitResult(WaitOutcome.UNMANAGED, null);
                }
                if (contains(event.path("connectionIds"), cid)) {
                    WaitResult done = decide(event.path("state").asText(), event.path("lastError"), stopAtError);
                    if (done != null) {
                        return done;
                    }
                }
            }
        } catch (JMSException | RpcException | TimeoutException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the event subscription failed", e);
        }
    }

    private static WaitResult decide(String state, JsonNode lastError, boolean stopAtError) {
        if (ConnectionState.CONNECTED.name().equals(state)) {
            return new WaitResult(WaitOutcome.CONNECTED, null);
        }
        if (stopAtError && lastError.isObject()) {
            return new WaitResult(WaitOutcome.FAILED, lastError);
        }
        return null;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.asText())) {
                return true;
            }
        }
        return false;
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
