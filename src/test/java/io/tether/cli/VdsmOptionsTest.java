package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.amqp.BrokerCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Which of the worker's VDSM options go with which broker, checked before anything starts. */
class VdsmOptionsTest {
    @TempDir
    Path tmp;

    private static VdsmOptions parse(String... args) {
        VdsmOptions options = new VdsmOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void aStandaloneBrokersGatewayLogsInAsVdsmGatewayWithThePasswordInItsFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("vdsm-gateway.password"), "s3cret\n");
        BrokerCredentials login = parse("--vdsm-gateway-password-file", file.toString()).standaloneLogin(false);
        assertEquals(new BrokerCredentials("vdsm-gateway", "s3cret"), login);
        assertNull(parse().standaloneLogin(false), "off unless asked for");
    }

    @Test
    void eachBrokerHasItsOwnOption() throws Exception {
        Path file = Files.writeString(tmp.resolve("vdsm-gateway.password"), "s3cret\n");
        IllegalArgumentException embedded = assertThrows(IllegalArgumentException.class,
                () -> parse("--vdsm-gateway-password-file", file.toString()).standaloneLogin(true));
        assertTrue(embedded.getMessage().contains("--vdsm-stomp-address"), embedded.getMessage());
        IllegalArgumentException standalone = assertThrows(IllegalArgumentException.class,
                () -> parse("--vdsm-stomp-address", "127.0.0.1:54321").acceptor(false));
        assertTrue(standalone.getMessage().contains("--vdsm-gateway-password-file"), standalone.getMessage());
    }
}
