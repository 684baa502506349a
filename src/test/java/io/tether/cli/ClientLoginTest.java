package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tether.broker.EmbeddedBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Which login a command uses. On a machine that also runs a worker, the worker's engine login in
 * its data dir is the default, but never in place of one the user gave: --user, or the broker
 * URL's own {@code jms.username} and {@code jms.password}.
 */
class ClientLoginTest {
    @TempDir
    Path data;

    private ClientOptions options(String... args) throws Exception {
        Path login = Files.writeString(data.resolve(EmbeddedBroker.ENGINE_LOGIN), "user=engine\npassword=local-worker-password\n");
        Files.setPosixFilePermissions(login, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        CommandLine cli = Main.commandLine(args);
        cli.setErr(new PrintWriter(new StringWriter()));
        ListCommand list = (ListCommand) cli.parseArgs(args).subcommand().commandSpec().userObject();
        return list.client;
    }

    @Test
    void theLocalWorkersLoginIsTheDefault() throws Exception {
        assertEquals("engine", options("list", "--data-dir", data.toString(), "--broker", "amqp://127.0.0.1:5672").login().user());
    }

    @Test
    void aLoginInTheBrokerUrlIsNotReplacedByTheLocalWorkers() throws Exception {
        String url = "amqp://127.0.0.1:5672?jms.username=engine&jms.password=typed";
        assertNull(options("list", "--data-dir", data.toString(), "--broker", url).login(),
                "no override: the connection logs in with the URL's own user and password");
        assertEquals("engine", ClientOptions.urlUser(url));
        assertNull(ClientOptions.urlUser("amqp://127.0.0.1:5672"));
    }

    @Test
    void userWinsOverBoth() throws Exception {
        assertEquals("ops", options("list", "--data-dir", data.toString(), "--user", "ops",
                "--broker", "amqp://127.0.0.1:5672?jms.username=engine&jms.password=typed").login().user());
    }
}
