package io.tether.testing.servers;

import io.tether.testing.Host;
import io.tether.testing.TestWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A standalone Apache Artemis broker, as an operator runs it: the binary distribution (unpacked by
 * the build from Maven Central), an instance made with {@code artemis create}, and the repository's
 * broker-config/ copied into its etc/. Runs as a separate process that can be stopped and started.
 */
public final class StandaloneArtemis implements AutoCloseable {
    private final Path instance;
    private final int port;
    private Process broker;

    public StandaloneArtemis(Path dir) throws Exception {
        Path home = Path.of(System.getProperty("artemis.home", "target/artemis/apache-artemis-2.44.0"));
        if (!Files.isExecutable(home.resolve("bin/artemis"))) {
            throw new IllegalStateException("no Artemis distribution at " + home + " (mvn verify unpacks it)");
        }
        this.instance = dir.resolve("broker");
        this.port = TestWorker.freePort();
        Host.ok(180, "bash", home.resolve("bin/artemis").toString(), "create", instance.toString(), "--user", "admin",
                "--password", "admin", "--require-login", "--silent", "--no-web", "--no-autotune", "--force");
        Path etc = instance.resolve("etc");
        String brokerXml = Files.readString(Path.of("broker-config/broker.xml"))
                .replace("tcp://0.0.0.0:5672?", "tcp://127.0.0.1:" + port + "?");
        Files.writeString(etc.resolve("broker.xml"), brokerXml);
        for (String file : new String[] {"artemis-users.properties", "artemis-roles.properties"}) {
            Files.copy(Path.of("broker-config", file), etc.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        start();
    }

    public String url() {
        return "amqp://127.0.0.1:" + port;
    }

    /** The broker instance's directory: its journal (data/), logs and configuration. */
    public Path instance() {
        return instance;
    }

    public void start() throws Exception {
        broker = Host.spawn(instance.resolve("broker.out"), "bash", instance.resolve("bin/artemis").toString(), "run");
        for (int i = 0; i < 600; i++) {
            if (!broker.isAlive()) {
                throw new IllegalStateException("broker exited: " + Files.readString(instance.resolve("broker.out")));
            }
            if (Host.run(5, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port).exit() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("broker did not listen on " + port + ": " + Files.readString(instance.resolve("broker.out")));
    }

    /** A clean stop (SIGTERM), as an operator restarting the broker does. */
    public void stop() throws InterruptedException {
        broker.descendants().forEach(ProcessHandle::destroy);
        broker.destroy();
        if (!broker.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            broker.descendants().forEach(ProcessHandle::destroyForcibly);
            broker.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
