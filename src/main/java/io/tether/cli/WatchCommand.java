package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.Jms;
import io.tether.client.StatusListener;
import io.tether.client.TetherClient;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tether watch}: one line per status event. The host a line names is the one whose address
 * the event came through, as the broker checks it; an event whose body speaks for another host is
 * not shown ({@link TetherClient#watchByHost}).
 */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = "Print status events as they arrive, one line each, until Ctrl-C (exit 1 if the broker is lost).")
public final class WatchCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--host", description = "Host id to watch (default: every host).")
    String host;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "The same as --request-timeout: how long to wait for the broker.")
    void timeout(Duration seconds) {
        client.timeout = seconds;
    }

    @Override
    public Integer call() throws Exception {
        CompletableFuture<JMSException> lost = new CompletableFuture<>();
        try (TetherClient tether = client.connect(host)) {
            tether.onConnectionLost(lost::complete);
            tether.watchByHost(host, new StatusListener() {
                @Override
                public void onEvent(String hostId, JsonNode params) {
                    print(hostId, params);
                }

                @Override
                public void onRefused(String hostId, String named) {
                    OneLine.err("host " + hostId + " published an event in the name of host " + named
                            + "; its events in another host's name are not shown");
                }
            });
            OneLine.err("watching " + (host == null ? "every host" : "host " + host) + "; Ctrl-C to stop");
            // No event would ever come again: say so and end, rather than wait in silence.
            OneLine.err("lost the broker at " + Jms.shown(client.broker()) + ": " + Errors.describe(lost.get()));
            return 1;
        } catch (JMSException e) {
            OneLine.err(client.brokerError(e));
            return 1;
        }
    }

    private static void print(String hostId, JsonNode e) {
        JsonNode error = e.path("lastError");
        // Escaped as a whole: one event, one line, whatever its fields hold.
        OneLine.out(String.format("%s %s seq=%d %s %s %s changed=%s cids=%d%s", e.path("at").asText(), hostId,
                e.path("seq").asLong(), e.path("change").asText(), e.path("state").asText(),
                e.path("connectionKey").asText(), e.path("changedIds"), cidCount(e),
                error.isObject() ? " error=" + error.path("code").asInt() + " " + OneLine.joined(error.path("message").asText()) : "")
                // A HEALTH event says what the health is now; the others keep their line as it was.
                + (e.path("change").asText().equals("HEALTH") ? " health=" + ListCommand.health(e.path("health")) : ""));
        System.out.flush();
    }

    /** How many CIDs the connection has after the event; a worker of an earlier version lists them instead. */
    private static long cidCount(JsonNode e) {
        return e.has("connectionIdCount") ? e.path("connectionIdCount").asLong() : e.path("connectionIds").size();
    }
}
