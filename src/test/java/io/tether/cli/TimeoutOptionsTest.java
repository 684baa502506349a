package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * --timeout means how long a command waits at most, as in kubectl: await's whole wait; for a
 * command of one request, the same as --request-timeout, whichever of the two comes last.
 */
class TimeoutOptionsTest {
    private static <T> T parsed(Class<T> type, String... args) {
        CommandLine cli = Main.commandLine(args);
        cli.setErr(new PrintWriter(new StringWriter()));
        CommandLine.ParseResult result = cli.parseArgs(args);
        return type.cast(result.subcommand().commandSpec().userObject());
    }

    @Test
    void aCommandOfOneRequestTakesTimeoutAsTheRequestTimeout() {
        assertEquals(Duration.ofSeconds(10), parsed(ListCommand.class, "list", "--host", "h").client.timeout);
        assertEquals(Duration.ofMillis(1500), parsed(ListCommand.class, "list", "--host", "h", "--timeout", "1.5").client.timeout);
        assertEquals(Duration.ofSeconds(3), parsed(ManageCommand.class, "manage", "--request-timeout", "3", "c", "u").client.timeout);
        assertEquals(Duration.ofSeconds(4), parsed(UnmanageCommand.class, "unmanage", "--timeout", "4", "c").client.timeout);
        assertEquals(Duration.ofSeconds(5), parsed(WatchCommand.class, "watch", "--timeout", "5").client.timeout);
        assertEquals(Duration.ofSeconds(2), parsed(ConsoleCommand.class, "console", "--timeout", "2").client.timeout);
    }

    @Test
    void awaitsTimeoutIsTheWholeWait() {
        AwaitCommand await = parsed(AwaitCommand.class, "await", "c", "--timeout", "3");
        assertEquals(Duration.ofSeconds(3), await.wait);
        assertEquals(Duration.ofSeconds(10), await.client.timeout);
        assertEquals(Duration.ofSeconds(60), parsed(AwaitCommand.class, "await", "c").wait);
        assertEquals(Duration.ofSeconds(7), parsed(AwaitCommand.class, "await", "c", "--wait", "7").wait);
        assertEquals(Duration.ofSeconds(2), parsed(AwaitCommand.class, "await", "c", "--request-timeout", "2").client.timeout);
    }
}
