package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A command line in error, as Main reports it for every command: exit 64 and one line,
 * {@code tether CMD: what is wrong (see 'tether CMD --help')}, before anything is sent or started.
 */
class UsageLineTest {
    private record Ran(int exit, String out, String err) {
    }

    private static Ran tether(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Ran(exit, out.toString(), err.toString());
    }

    private static void assertUsageLine(String expected, String... args) {
        Ran ran = tether(args);
        assertEquals(new Ran(64, "", expected + "\n"), ran, String.join(" ", args));
    }

    @Test
    void eachKindOfMistakeIsOneLineWithTheHint() {
        assertUsageLine("tether: Missing required subcommand (see 'tether --help')");
        assertUsageLine("tether: Unmatched argument at index 0: 'lsit' (see 'tether --help')", "lsit");
        assertUsageLine("tether list: Unknown option: '--bogus' (see 'tether list --help')", "list", "--host", "h", "--bogus");
        assertUsageLine("tether list: Missing required option: '--host=<host>' (see 'tether list --help')", "list");
        assertUsageLine("tether list: Unmatched argument at index 3: 'extra' (see 'tether list --help')",
                "list", "--host", "h", "extra");
        assertUsageLine("tether manage: Missing required parameters: '<cid>', '<uri>' (see 'tether manage --help')",
                "manage", "--host", "h");
        assertUsageLine("tether await: Missing required parameter: '<cid>' (see 'tether await --help')", "await", "--host", "h");
        assertUsageLine("tether unmanage: Missing required argument (specify one of these): (<cid> | --prefix=<prefix>)"
                + " (see 'tether unmanage --help')", "unmanage", "--host", "h");
        assertUsageLine("tether unmanage: <cid>, --prefix=<prefix> are mutually exclusive (specify only one)"
                + " (see 'tether unmanage --help')", "unmanage", "--host", "h", "c", "--prefix", "p");
        assertUsageLine("tether watch: Missing required parameter for option '--broker' (<broker>)"
                + " (see 'tether watch --help')", "watch", "--broker");
        assertUsageLine("tether worker: Unknown options: '--amqp-prot', '1' (see 'tether worker --help')", "worker", "--amqp-prot", "1");
    }
}
