package io.tether.cli;

import io.javalin.util.JavalinBindException;
import io.tether.amqp.Addresses;
import io.tether.client.TetherClient;
import io.tether.console.BrokerAccess;
import io.tether.console.ConsoleServer;
import io.tether.http.HttpAddress;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves the fleet console, a live page of hosts by storage connections, until Ctrl-C. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Serve a live web page of every host's storage connections (read-only), until Ctrl-C.",
        footer = {"Hosts are learned from their status events and from --host. A broker that is down shows a banner on the"
                + " page, and the console connects again by itself."})
public final class ConsoleCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Option(names = "--http-address", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "Where the page is served (default: ${DEFAULT-VALUE}, this machine only; port 0 picks a free one).")
    String httpAddress;

    @Option(names = "--host", split = ",", paramLabel = "HOST",
            description = "Hosts to show from the start, even before they publish an event (comma-separated, repeatable)."
                    + " Default: on a worker's machine (the login from its --data-dir), the id a worker started without"
                    + " --host-id has here; else none.")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--refresh", defaultValue = "30", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "List every host again this often, which shows a worker that stopped answering (default: ${DEFAULT-VALUE}).")
    Duration refresh;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "The same as --request-timeout: how long to wait for the broker and for each host's list.")
    void timeout(Duration seconds) {
        client.timeout = seconds;
    }

    @Option(names = "--retry", defaultValue = "2", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "Try the broker, or a host that did not answer, again this often (default: ${DEFAULT-VALUE}).")
    Duration retry;

    @Override
    public Integer call() throws Exception {
        // A command line in error is said before anything starts (Main: exit 64).
        HttpAddress address = HttpAddress.parse("--http-address", httpAddress)
                .orElseThrow(() -> new IllegalArgumentException("--http-address off: the console is nothing but its page"));
        hosts.forEach(Addresses::checkHostId);
        if (client.login() != null && client.user == null && hosts.isEmpty()) {
            // Next to a worker: its host is shown at once, not only after its next event.
            hosts.add(Addresses.sanitise(WorkerCommand.localHostName()));
        }
        LibraryLogging.off();
        BrokerAccess broker = new BrokerAccess() {
            @Override
            public TetherClient connect() throws Exception {
                return client.connect(null);
            }

            @Override
            public String describe(Exception e) {
                return e instanceof JMSException jms ? client.brokerError(jms) : Errors.describe(e);
            }
        };
        ConsoleServer console;
        try {
            console = ConsoleServer.start(new ConsoleServer.Settings(address, hosts, client.timeout, refresh, retry), broker);
        } catch (JavalinBindException e) {
            OneLine.err("tether console: cannot serve on " + address + ": " + Errors.describe(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.close();
            stopped.countDown();
        }, "tether-console-stop"));
        OneLine.err("console: http://" + new HttpAddress(address.host(), console.port()) + "/ (broker " + client.broker()
                + "); Ctrl-C to stop");
        stopped.await();
        return 0;
    }
}
