package io.tether.cli;

import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Waits for a CID's connection: exit 0 connected, 1 failed (or unmanaged, or an error), 2 timeout. */
@Command(name = "await", mixinStandardHelpOptions = true,
        description = "Wait until a CID is connected. Exit 0: connected; 1: failed (with --try-once) or unmanaged; 2: timed out.")
public final class AwaitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--host", required = true, description = "Host id of the worker.")
    String host;

    @Parameters(index = "0", description = "Connection ID (CID).")
    String cid;

    @Option(names = "--wait", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long to wait for the connection (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Option(names = "--try-once", description = "Stop at the first failure instead of waiting for a retry to succeed.")
    boolean tryOnce;

    @Override
    public Integer call() {
        try (TetherClient tether = client.connect(host)) {
            Duration wait = Duration.ofSeconds(waitSeconds);
            TetherClient.WaitResult result = tryOnce ? tether.tryOnce(host, cid, wait) : tether.awaitConnected(host, cid, wait);
            switch (result.outcome()) {
                case CONNECTED -> {
                    System.out.println(cid + ": connected");
                    return 0;
                }
                case FAILED -> {
                    System.out.println(cid + ": failed: " + result.lastError().path("code").asInt() + " "
                            + result.lastError().path("name").asText() + ": " + result.lastError().path("message").asText());
                    return 1;
                }
                case UNMANAGED -> {
                    System.out.println(cid + ": unmanaged while waiting");
                    return 1;
                }
                default -> {
                    System.out.println(cid + ": not connected within " + waitSeconds + " s");
                    return 2;
                }
            }
        } catch (RpcException e) {
            System.err.println("error " + e.code() + " " + e.name() + ": " + e.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (jakarta.jms.JMSException e) {
            System.err.println(client.brokerError(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 1;
    }
}
