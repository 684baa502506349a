package io.tether.cli;

import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Waits for a CID's connection: exit 0 connected, 1 failed (or unmanaged, or an error), 2 timeout. */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = "Wait until a CID is connected. Exit 0: connected; 1: failed (with --try-once) or unmanaged; 2: timed out.")
public final class AwaitCommand extends HostCommand {
    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    @Option(names = "--wait", defaultValue = "60", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "How long to wait for the connection, 0.001 to 86400 seconds (default: ${DEFAULT-VALUE}).")
    Duration wait;

    @Option(names = "--try-once", description = "Stop at the first failure instead of waiting for a retry to succeed.")
    boolean tryOnce;

    @Override
    public Integer call() {
        // A host that does not answer within the wait is a timeout too.
        Integer exit = client.run(host, wait, this::await, 2);
        return exit == null ? 1 : exit;
    }

    private int await(TetherClient tether, Duration wait)
            throws JMSException, RpcException, TimeoutException, InterruptedException {
        TetherClient.WaitResult result = tryOnce ? tether.tryOnce(host, cid, wait) : tether.awaitConnected(host, cid, wait);
        switch (result.outcome()) {
            case CONNECTED -> {
                OneLine.out(cid + ": connected");
                return 0;
            }
            case FAILED -> {
                OneLine.out(cid + ": failed: " + result.lastError().path("code").asInt() + " "
                        + result.lastError().path("name").asText() + ": " + result.lastError().path("message").asText());
                return 1;
            }
            case UNMANAGED -> {
                OneLine.out(cid + ": unmanaged while waiting");
                return 1;
            }
            default -> {
                OneLine.out(cid + ": not connected within " + Ranges.Seconds.text(wait) + " s");
                return 2;
            }
        }
    }
}
