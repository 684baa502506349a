package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tether.http.HttpAddress;
import io.tether.worker.WorkerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The worker's --http-address and --log-format as picocli parses them. */
class ObservabilityOptionsTest {
    private static final WorkerConfig CONFIG = WorkerConfig.embedded("h1", Path.of("data"), 5672);

    private static WorkerConfig apply(String... args) {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs(args);
        return command.observability.applyTo(CONFIG);
    }

    @Test
    void theEndpointListensOnLoopbackPort9464UnlessToldOtherwise() {
        assumeTrue(System.getenv("TETHER_HTTP_ADDRESS") == null, "TETHER_HTTP_ADDRESS is set here");
        assertEquals(new HttpAddress("127.0.0.1", 9464), apply().httpAddress());
        assertEquals(new HttpAddress("0.0.0.0", 9100), apply("--http-address", "0.0.0.0:9100").httpAddress());
        assertNull(apply("--http-address", "off").httpAddress());
    }

    @Test
    void aBadValueSaysWhichOptionAndWhatIsWrong() {
        IllegalArgumentException address = assertThrows(IllegalArgumentException.class, () -> apply("--http-address", "9464"));
        assertEquals("--http-address 9464: give HOST:PORT (e.g. 127.0.0.1:9464) or off", address.getMessage());
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> apply("--log-format", "xml"));
        assertEquals("--log-format xml: give text or json", format.getMessage());
    }
}
