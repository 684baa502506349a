package io.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tether.client.HostResult;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Waits for a CID's connection: exit 0 connected, 1 failed (or unmanaged, or an error), 2 timeout.
 * On several hosts: 0 if every host connected, else 1 if any failed, else 2.
 */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = "Wait until a CID is connected. Exit 0: connected; 1: failed (with --try-once) or unmanaged;"
                + " 2: timed out. On several hosts (--host h1,h2): a line each; 0 if all connected, else 1 if any"
                + " failed, else 2 (a host that does not answer counts as timed out).")
public final class AwaitCommand extends HostCommand {
    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    // --timeout as kubectl wait has it: the whole wait. --wait, its name in earlier releases, stays
    // for one release, so that scripts keep working.
    @Option(names = {"--timeout", "--wait"}, defaultValue = "60", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "How long to wait for the connection, 0.001 to 86400 seconds (default: ${DEFAULT-VALUE})."
                    + " --wait is its former name, still accepted in this release.")
    Duration wait;

    @Option(names = "--try-once", description = "Stop at the first failure instead of waiting for a retry to succeed.")
    boolean tryOnce;

    @Override
    public Integer call() {
        if (oneHost()) {
            // A host that does not answer within the wait is a timeout too.
            Integer exit = client.run(host(), wait, this::await, 2);
            return exit == null ? 1 : exit;
        }
        Map<String, HostResult<TetherClient.WaitResult>> results = client.runOnHosts(hosts(), wait,
                (c, hosts, timeout) -> tryOnce ? c.tryOnce(hosts, cid, timeout) : c.awaitConnected(hosts, cid, timeout));
        if (results == null) {
            return 1;
        }
        int worst = 0;
        for (HostResult<TetherClient.WaitResult> r : results.values()) {
            int exit;
            if (r.ok()) {
                exit = report(r.hostId() + ": ", r.value());
            } else {
                OneLine.out(r.hostId() + ": " + client.describe(r.failure()));
                exit = r.noAnswer() ? 2 : 1;
            }
            // A failure outweighs a timeout: it will not mend by waiting longer.
            worst = worst == 1 || exit == 1 ? 1 : Math.max(worst, exit);
        }
        List<String> notConnected = results.values().stream()
                .filter(r -> !r.ok() || r.value().outcome() != TetherClient.WaitOutcome.CONNECTED)
                .map(HostResult::hostId).toList();
        if (!notConnected.isEmpty()) {
            OneLine.err("tether await: " + notConnected.size() + " of " + results.size() + " hosts not connected: "
                    + String.join(",", notConnected));
        }
        return worst;
    }

    private int await(TetherClient tether, Duration wait)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        String host = host();
        return report("", tryOnce ? tether.tryOnce(host, cid, wait) : tether.awaitConnected(host, cid, wait));
    }

    /** Prints the outcome as one line, after {@code prefix}, and returns its exit status. */
    private int report(String prefix, TetherClient.WaitResult result) {
        switch (result.outcome()) {
            case CONNECTED -> {
                OneLine.out(prefix + cid + ": connected");
                return 0;
            }
            case FAILED -> {
                OneLine.out(prefix + cid + ": failed: " + error(result.lastError()));
                return 1;
            }
            case UNMANAGED -> {
                OneLine.out(prefix + cid + ": unmanaged while waiting");
                return 1;
            }
            default -> {
                // Why it has not connected, when the worker knows: the last error of its attempts.
                OneLine.out(prefix + cid + ": not connected within " + Ranges.Seconds.text(wait) + " s"
                        + (result.lastError() == null ? "" : "; last error: " + error(result.lastError())));
                return 2;
            }
        }
    }

    /** A connection's last error in words: {@code 451 StorageServerConnectionError: what mount said}. */
    static String error(JsonNode lastError) {
        return lastError.path("code").asInt() + " " + lastError.path("name").asText() + ": "
                + OneLine.joined(lastError.path("message").asText());
    }
}
