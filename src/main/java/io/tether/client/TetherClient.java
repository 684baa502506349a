package io.tether.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.BrokerLink;
import io.tether.amqp.Jms;
import io.tether.api.Results;
import io.tether.sealing.Sealer;
import io.tether.uri.InvalidUriException;
import io.tether.uri.UriParser;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
 * Every operation has two forms: one host, which returns its result or throws, and many hosts
 * ({@link #manage(Set, String, String, Duration)}, {@link #list(Set, String, Duration)},
 * {@link #awaitConnected(Set, String, Duration)}, ...), which sends to every host before waiting
 * for any and gives one {@link HostResult} per host: a host that does not answer is reported as
 * such and holds up none of the others.
 *
 * <p>A facade over three parts: the {@link RpcChannel} (requests, replies matched by correlation
 * id, resent after a failover), the hosts' {@link SealingKeys} ({@link #manage} seals a URI with
 * credentials for the host, so no secret crosses the broker in clear), and status events
 * ({@link HostEvents}: an event is taken as coming from the host whose address it was published on,
 * which the broker checks, never from what its body says; {@link StatusView}: list, then watch).
 * Thread-safe.
 */
public final class TetherClient implements AutoCloseable {
    private static final String GET_LIST = "getStorageServerList";
    private static final TypeReference<LinkedHashMap<String, Results.Entry>> ENTRIES = new TypeReference<>() {
    };

    private final RpcChannel rpc;
    private final SealingKeys keys;
    private final HostEvents events;

    private TetherClient(RpcChannel rpc) {
        this.rpc = rpc;
        this.keys = new SealingKeys(rpc);
        this.events = new HostEvents(rpc);
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
            return new TetherClient(new RpcChannel(connection, brokerUrl.strip().regionMatches(true, 0, "failover:", 0, 9)));
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
     * @throws JMSException the broker refused the request
     */
    public JsonNode call(String hostId, String method, Map<String, ?> params, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.join(rpc.call(hostId, method, params, timeout));
    }

    /** {@link #call} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<JsonNode>> call(Set<String> hosts, String method, Map<String, ?> params, Duration timeout)
            throws InterruptedException {
        return HostCalls.onHosts(hosts, host -> rpc.call(host, method, params, timeout));
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
        return HostCalls.join(manageOn(hostId, cid, uri, timeout));
    }

    /** {@link #manage} of {@code cid} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Managed>> manage(Set<String> hosts, String cid, String uri, Duration timeout)
            throws InterruptedException {
        return HostCalls.onHosts(hosts, host -> manageOn(host, cid, uri, timeout));
    }

    private CompletableFuture<Results.Managed> manageOn(String hostId, String cid, String uri, Duration timeout) {
        if (!mayHoldSecret(uri)) {
            return rpc.call(hostId, "manageStorageServer", Map.of("connectionId", cid, "uri", uri), timeout)
                    .thenApply(result -> Typed.as(result, Results.Managed.class));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return keys.withKey(hostId, timeout, key -> rpc.call(hostId, "manageStorageServer",
                Map.of("connectionId", cid, "sealedUri", key.seal(uri)), SealingKeys.left(deadline))
                .thenApply(result -> Typed.as(result, Results.Managed.class)));
    }

    /**
     * Manages every one of {@code entries} on {@code hostId} with one message, a JSON-RPC batch,
     * which the worker runs in one commit; one outcome per entry, in their order ({@link ManageBatch}).
     */
    public List<ManageBatch.Outcome> manageAll(String hostId, List<ManageBatch.Entry> entries, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.join(new ManageBatch(rpc, keys, entries).send(hostId, timeout));
    }

    /** {@link #manageAll} on every host in {@code hosts} at once: one batch, and one result, per host. */
    public Map<String, HostResult<List<ManageBatch.Outcome>>> manageAll(Set<String> hosts, List<ManageBatch.Entry> entries,
            Duration timeout) throws InterruptedException {
        ManageBatch batch = new ManageBatch(rpc, keys, entries);
        return HostCalls.onHosts(hosts, host -> batch.send(host, timeout));
    }

    /** Sent in clear only when it parses and carries no credentials. */
    static boolean mayHoldSecret(String uri) {
        try {
            return UriParser.parse(uri).hasCredentials();
        } catch (InvalidUriException e) {
            return true;
        }
    }

    /**
     * {@code getSealingKey}: fetches {@code hostId}'s public sealing key, and keeps it for
     * {@link #manage}. A host keeps its key across restarts; it has a new one only when its data
     * dir was replaced.
     */
    public Sealer sealingKey(String hostId, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.join(keys.fetch(hostId, timeout));
    }

    /**
     * Uses {@code sealer} for {@code hostId}'s URIs from now on, and never fetches that host's key
     * through the broker: for a client that has the key from a trusted place (the CLI on a worker's
     * machine reads it from the data dir), so nothing posing as the host can hand out its own.
     */
    public void pinSealingKey(String hostId, Sealer sealer) {
        keys.pin(hostId, sealer);
    }

    /**
     * Like {@link #pinSealingKey(String, Sealer)}, with the key read from {@code source} the first
     * time a URI is sealed for {@code hostId}: a client that seals rarely does not pay for reading
     * a key on every connection. What {@code source} throws, {@link #manage} throws.
     */
    public void pinSealingKey(String hostId, Supplier<Sealer> source) {
        keys.pin(hostId, source);
    }

    /** {@code unmanageStorageServer} of one CID. */
    public Results.Unmanaged unmanage(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.join(unmanageOn(hostId, Map.of("connectionId", cid), timeout));
    }

    /** {@link #unmanage} of {@code cid} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Unmanaged>> unmanage(Set<String> hosts, String cid, Duration timeout)
            throws InterruptedException {
        return HostCalls.onHosts(hosts, host -> unmanageOn(host, Map.of("connectionId", cid), timeout));
    }

    /** {@code unmanageStorageServer} of every CID starting with {@code prefix}. */
    public Results.Unmanaged unmanagePrefix(String hostId, String prefix, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.join(unmanageOn(hostId, Map.of("connectionIdPrefix", prefix), timeout));
    }

    /** {@link #unmanagePrefix} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.Unmanaged>> unmanagePrefix(Set<String> hosts, String prefix, Duration timeout)
            throws InterruptedException {
        return HostCalls.onHosts(hosts, host -> unmanageOn(host, Map.of("connectionIdPrefix", prefix), timeout));
    }

    private CompletableFuture<Results.Unmanaged> unmanageOn(String hostId, Map<String, String> params, Duration timeout) {
        return rpc.call(hostId, "unmanageStorageServer", params, timeout)
                .thenApply(result -> Typed.as(result, Results.Unmanaged.class));
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
        return HostCalls.join(listOn(hostId, prefix, timeout));
    }

    /** {@link #list} on every host in {@code hosts} at once; one result per host. */
    public Map<String, HostResult<Results.StorageServerList>> list(Set<String> hosts, String prefix, Duration timeout)
            throws InterruptedException {
        return HostCalls.onHosts(hosts, host -> listOn(host, prefix, timeout));
    }

    private CompletableFuture<Results.StorageServerList> listOn(String hostId, String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Built from the pages' JSON, not from the record's components: only seq and connections make a whole list.
        return ListPages.all(after -> page(hostId, prefix, after, null, deadline, timeout))
                .thenApply(result -> Typed.as(result, Results.StorageServerList.class));
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
        JsonNode page = HostCalls.join(page(hostId, prefix, after, limit, System.nanoTime() + timeout.toNanos(), timeout));
        if (!page.path("seq").isIntegralNumber() || !page.path("connections").isObject()) {
            throw new IllegalStateException("the worker's result does not match a list page");
        }
        return new ListPage(page.path("seq").asLong(), Typed.as(page.path("connections"), ENTRIES), ListPages.next(page));
    }

    /**
     * A page of the list, asked for before {@code deadline}; no answer in time is reported against
     * {@code timeout}, the time the caller gave for all its pages.
     */
    private CompletableFuture<JsonNode> page(String hostId, String prefix, String after, Integer limit, long deadline,
            Duration timeout) {
        return rpc.call(hostId, GET_LIST, ListPages.params(prefix, after, limit), SealingKeys.left(deadline))
                .exceptionallyCompose(e -> {
                    Throwable cause = RpcChannel.unwrap(e);
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

    /**
     * Delivers every status event of {@code hostId} (or of all hosts when null) to {@code listener}
     * with the host it came from, until the returned handle is closed.
     *
     * <p>That host is the one whose status address the event was published on, which only its own
     * worker may send to: the broker delivers only events whose {@code statusAddress} property is
     * the address it routed them to. An event whose body names another host (a host speaking for
     * another, on its own address) is dropped, counted ({@link #refusedEvents()}) and logged once
     * per host.
     */
    public AutoCloseable watchByHost(String hostId, StatusListener listener) throws JMSException {
        return events.watch(hostId, listener);
    }

    /**
     * How many status events this client dropped because their body named another host than the
     * one whose address they were published on (see {@link #watchByHost}).
     */
    public long refusedEvents() {
        return events.refused();
    }

    /**
     * The state of this client's broker connection: {@link BrokerLink.State#LOST} once it has failed
     * for good (the broker went away with a plain URL, or a failover URL ran out of reconnect
     * attempts), after which a subscription made with {@link #watchByHost} delivers nothing more.
     */
    public BrokerLink link() {
        return rpc.link();
    }

    /** Calls {@code listener} once the connection to the broker is {@link BrokerLink.State#LOST}, with why. */
    public void onConnectionLost(Consumer<JMSException> listener) {
        link().addListener((state, cause) -> {
            if (state == BrokerLink.State.LOST) {
                listener.accept(RpcChannel.asJms(cause));
            }
        });
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

    /**
     * The end of {@link #awaitConnected} or {@link #tryOnce}. {@code lastError}: with FAILED, the
     * error; with TIMEOUT, the connection's error as last seen, if it had one (why it has not
     * connected yet); null otherwise.
     */
    public record WaitResult(WaitOutcome outcome, JsonNode lastError) {
    }

    /**
     * Waits until {@code cid}'s connection is connected, however many attempts that takes, or until
     * the timeout. Built on list-then-watch ({@link StatusView}), never on polling.
     *
     * @throws RpcException if the host does not manage {@code cid}
     */
    public WaitResult awaitConnected(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.one(hostId, await(Set.of(hostId), cid, timeout, false));
    }

    /**
     * {@link #awaitConnected} of {@code cid} on every host in {@code hosts} at once, with one
     * subscription to every host's events; one result per host. A host that does not answer the
     * first list within {@code timeout} has a {@link TimeoutException}; one that answers and does
     * not connect in time has the outcome TIMEOUT.
     */
    public Map<String, HostResult<WaitResult>> awaitConnected(Set<String> hosts, String cid, Duration timeout)
            throws JMSException, InterruptedException {
        return await(hosts, cid, timeout, false);
    }

    /**
     * Like {@link #awaitConnected}, but stops at the first failure: an engine flow that wants one
     * attempt and no waiting for a target that is down.
     */
    public WaitResult tryOnce(String hostId, String cid, Duration timeout)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        return HostCalls.one(hostId, await(Set.of(hostId), cid, timeout, true));
    }

    /** {@link #tryOnce} on every host in {@code hosts} at once; see {@link #awaitConnected(Set, String, Duration)}. */
    public Map<String, HostResult<WaitResult>> tryOnce(Set<String> hosts, String cid, Duration timeout)
            throws JMSException, InterruptedException {
        return await(hosts, cid, timeout, true);
    }

    private Map<String, HostResult<WaitResult>> await(Set<String> hosts, String cid, Duration timeout, boolean stopAtError)
            throws JMSException, InterruptedException {
        return CidWaiter.awaitAll(hosts, cid, timeout, stopAtError,
                (host, after, left) -> rpc.call(host, GET_LIST, ListPages.params(cid, after, null), left), events);
    }

    @Override
    public void close() throws JMSException {
        rpc.close();
    }
}
