package io.tether.vdsm;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcClient;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcRequest;
import org.ovirt.vdsm.jsonrpc.client.JsonRpcResponse;
import org.ovirt.vdsm.jsonrpc.client.internal.ClientPolicy;
import org.ovirt.vdsm.jsonrpc.client.internal.ResponseWorker;
import org.ovirt.vdsm.jsonrpc.client.reactors.Reactor;
import org.ovirt.vdsm.jsonrpc.client.reactors.ReactorClient;
import org.ovirt.vdsm.jsonrpc.client.reactors.stomp.SSLStompReactor;
import org.ovirt.vdsm.jsonrpc.client.reactors.stomp.StompClientPolicy;
import org.ovirt.vdsm.jsonrpc.client.reactors.stomp.StompReactor;

/**
 * VDSM's engine client as an oVirt engine builds it (oVirt's vdsm-jsonrpc-java: a STOMP reactor, a
 * response worker and a {@link JsonRpcClient} sending to {@value VdsmGateway#REQUESTS}), with every
 * wait behind a deadline. The library waits for its connection with no timeout of its own, so each
 * call runs on a thread of this client's and the test waits for it at most {@code deadline}; the
 * reactor and response worker are this client's own (not the library's JVM-wide ones), so closing
 * them leaves no other client without its reactor.
 */
final class EngineClient implements AutoCloseable {
    private final Reactor reactor;
    private final ResponseWorker responses = new ResponseWorker(2, 1);
    private final ExecutorService calls = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "engine-client-call");
        thread.setDaemon(true);
        return thread;
    });
    private final JsonRpcClient client;
    private final Duration deadline;

    private EngineClient(Reactor reactor, String host, int port, Duration deadline) throws Exception {
        this.reactor = reactor;
        this.deadline = deadline;
        ReactorClient stomp = reactor.createClient(host, port);
        // The engine's own settings for a host: 3 tries, 5 s apart, heart-beats every 10 s.
        stomp.setClientPolicy(new StompClientPolicy(5_000, 3, 10_000, VdsmGateway.REQUESTS, VdsmGateway.RESPONSES));
        client = responses.register(stomp);
        client.setRetryPolicy(new ClientPolicy(5_000, 3, 0));
    }

    /** A client over plain STOMP. */
    static EngineClient plain(String host, int port, Duration deadline) throws Exception {
        return new EngineClient(new StompReactor(), host, port, deadline);
    }

    /** A client over STOMP with TLS: {@code tls} holds the engine's certificate and trusts the host's. */
    static EngineClient tls(SSLContext tls, String host, int port, Duration deadline) throws Exception {
        return new EngineClient(new SSLStompReactor(tls), host, port, deadline);
    }

    /** Sends {@code request} and returns its response, or fails once the deadline has passed. */
    JsonRpcResponse call(JsonRpcRequest request) throws Exception {
        return within(() -> client.call(request).get(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }

    private <T> T within(Callable<T> work) throws Exception {
        Future<T> running = calls.submit(work);
        try {
            return running.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            running.cancel(true);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            within(() -> {
                client.close();
                return null;
            });
        } catch (Exception e) {
            // The reactor below ends the connection whatever the client's close did.
        } finally {
            reactor.close();
            responses.close();
            calls.shutdownNow();
        }
    }
}
