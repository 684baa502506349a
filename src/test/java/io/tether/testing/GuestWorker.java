package io.tether.testing;

import static org.awaitility.Awaitility.await;

import io.tether.amqp.BrokerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The build's worker ({@code java -jar target/tether.jar worker}) running as root inside a
 * {@link Guest}, with its embedded broker and H2 on a tmpfs of the guest's, so that they survive a
 * restart of the worker (not of the guest). Its broker listens on the guest's 127.0.0.1 only, so a
 * socat in the guest passes the guest's port 5672 on to it, and the test's clients reach it from
 * this machine at {@link #url()}. Its log is {@code worker.log} in the guest's shared directory.
 */
public final class GuestWorker {
    /** The broker's port, in the guest; {@link Guest#boot} must forward it. */
    public static final int AMQP_PORT = 5672;
    private static final String DATA = "/var/lib/tether";
    /** The guest's address on QEMU's user network, where forwarded ports arrive. */
    private static final String GUEST_ADDRESS = "10.0.2.15";
    /**
     * How long a worker's start in the guest may take: about 30 s on an idle machine, but a JVM
     * under software emulation while two CPU hogs and the build hold both cores has taken over 4
     * minutes, and up to 8 from the guest's boot (docs/reliability.md, "Real-kernel tests").
     */
    private static final Duration START_DEADLINE = Duration.ofMinutes(10);

    private final Guest guest;
    private final String hostId;
    private final List<String> options;

    /** A worker for {@code hostId} with {@code options} after the ones every guest worker gets. */
    public GuestWorker(Guest guest, String hostId, String... options) {
        this.guest = guest;
        this.hostId = hostId;
        this.options = List.of(options);
    }

    /**
     * Starts the worker and waits until it says it is running, for up to {@link #START_DEADLINE}
     * and a minute for the rest of the script.
     */
    public GuestWorker start() {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", WorkerProcess.jar().toAbsolutePath().toString(), "worker", "--host-id", hostId,
                "--data-dir", DATA, "--amqp-port", Integer.toString(AMQP_PORT), "--http-address", "off"));
        command.addAll(options);
        // A tmpfs of the guest's own: this machine's /var/lib/tether (a packaged worker's) shows through otherwise.
        guest.ok(START_DEADLINE.plusMinutes(1), "mkdir -p " + DATA + " && { mountpoint -q " + DATA + " || mount -t tmpfs -o mode=0755 data " + DATA + "; }\n"
                + "log=/xfer/worker.log; start=$(cat $log 2>/dev/null | wc -l)\n"
                + "setsid " + String.join(" ", command) + " >> $log 2>&1 < /dev/null &\n"
                + "echo $! > /run/tether-worker.pid\n"
                // By the guest's clock: under emulation each turn of the loop takes longer than its sleep.
                + "end=$(( $(date +%s) + " + START_DEADLINE.toSeconds() + " ))\n"
                + "while [ $(date +%s) -lt $end ]; do\n"
                + "  tail -n +$((start + 1)) $log | grep -q 'Stop with Ctrl-C or SIGTERM.' && break\n"
                + "  kill -0 $(cat /run/tether-worker.pid) || { echo 'the worker exited'; exit 1; }\n"
                + "  sleep 0.2\n"
                + "done\n"
                + "tail -n +$((start + 1)) $log | grep -q 'Stop with Ctrl-C or SIGTERM.' || { echo 'the worker did not start'; exit 1; }\n"
                + "pgrep -f 'socat TCP-LISTEN:" + AMQP_PORT + "' > /dev/null || (setsid socat TCP-LISTEN:" + AMQP_PORT
                + ",bind=" + GUEST_ADDRESS + ",fork,reuseaddr TCP:127.0.0.1:" + AMQP_PORT + " > /dev/null 2>&1 < /dev/null &)\n"
                + "cp " + DATA + "/engine-credentials /xfer/engine-credentials");
        return this;
    }

    /** Whether the worker process is alive. */
    public boolean isRunning() {
        return guest.run(Duration.ofMinutes(1), "kill -0 $(cat /run/tether-worker.pid)").status() == 0;
    }

    /** SIGKILL to the worker, as a crash: nothing it started (mounts, sessions) is touched. */
    public void kill9() {
        guest.ok("pid=$(cat /run/tether-worker.pid); kill -9 $pid; while kill -0 $pid 2>/dev/null; do sleep 0.2; done");
    }

    /** SIGTERM, and waits until it has exited. */
    public void stop() {
        guest.ok("pid=$(cat /run/tether-worker.pid); kill $pid; while kill -0 $pid 2>/dev/null; do sleep 0.2; done");
    }

    /** The engine's URL of the worker's broker, from this machine, with the engine's login. */
    public String url() throws IOException {
        BrokerCredentials login = BrokerCredentials.read(guest.shared().resolve("engine-credentials"));
        return "amqp://127.0.0.1:" + guest.hostPort(AMQP_PORT) + "?jms.username=" + login.user()
                + "&jms.password=" + login.password();
    }

    /**
     * A client of the worker, from this machine. Its connection crosses QEMU's user network and a
     * socat in the guest, either of which can reset a connection being opened while the guest is
     * busy: opened again until it holds, for up to four minutes (the guest is emulated).
     */
    public RawClient client() {
        return await().atMost(Duration.ofMinutes(4)).ignoreExceptions().until(() -> new RawClient(url(), hostId), c -> true);
    }

    /** The worker's log (every start's, appended). */
    public Path log() {
        return guest.shared().resolve("worker.log");
    }
}
