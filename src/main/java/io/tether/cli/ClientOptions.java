package io.tether.cli;

import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.messaging.Addresses;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Option;

/** Options every engine-side command shares, and the one way they call a worker. */
final class ClientOptions {
    @Option(names = "--broker", defaultValue = "${env:TETHER_BROKER:-amqp://127.0.0.1:5672}",
            description = "Broker URL (env TETHER_BROKER; default: amqp://127.0.0.1:5672).")
    String broker;

    @Option(names = "--user", defaultValue = "${env:TETHER_USER}", description = "Broker user (env TETHER_USER).")
    String user;

    @Option(names = "--password", defaultValue = "${env:TETHER_PASSWORD}", description = "Broker password (env TETHER_PASSWORD).")
    String password;

    @Option(names = "--timeout", defaultValue = "10", description = "Seconds to wait for the host's answer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** Connects for talking to {@code host} (null: every host); a typo in --host is reported before any broker is tried. */
    TetherClient connect(String host) throws JMSException {
        if (host != null) {
            Addresses.checkHostId(host);
        }
        return TetherClient.connect(broker, user, password);
    }

    /** Calls a method, printing a one-line error and returning null on an expected failure. */
    JsonNode call(String host, String method, Map<String, ?> params) {
        return run(host, (client, timeout) -> client.call(host, method, params, timeout));
    }

    /** One use of the client library, such as {@link TetherClient#manage}, which seals secrets. */
    @FunctionalInterface
    interface ClientCall<T> {
        T run(TetherClient client, Duration timeout) throws JMSException, RpcException, TimeoutException, InterruptedException;
    }

    /** Runs {@code call} with a client for {@code host}, printing a one-line error and returning null on an expected failure. */
    <T> T run(String host, ClientCall<T> call) {
        try (TetherClient client = connect(host)) {
            return call.run(client, Duration.ofSeconds(timeoutSeconds));
        } catch (RpcException e) {
            System.err.println("error " + e.code() + " " + e.name() + ": " + e.getMessage());
        } catch (TimeoutException e) {
            System.err.println(e.getMessage());
        } catch (JMSException e) {
            System.err.println("cannot reach the broker at " + broker + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
