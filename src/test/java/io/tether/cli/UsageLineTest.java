package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A command line in error, as Main reports it for every command: exit 64 and one line,
 * {@code tether CMD: what is wrong (see 'tether CMD --help')}, before anything is sent or started.
 */
class UsageLineTest {
    @TempDir
    Path tmp;

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
        assertUsageLine("tether: Unmatched argument at index 0: 'lsit'; did you mean 'list'? (see 'tether --help')", "lsit");
        assertUsageLine("tether: Unmatched argument at index 0: 'mange'; did you mean 'manage'? (see 'tether --help')", "mange");
        assertUsageLine("tether list: Unknown options: '--prefx', 'p'; did you mean '--prefix'? (see 'tether list --help')",
                "list", "--host", "h", "--prefx", "p");
        assertUsageLine("tether list: Unknown option: '--bogus' (see 'tether list --help')", "list", "--host", "h", "--bogus");
        assertUsageLine("tether list: Missing required option: '--host=<host>' (nor TETHER_HOST, nor a worker's address in "
                + tmp.resolve("none").resolve(LocalWorker.FILE) + ") (see 'tether list --help')", "list", "--data-dir", tmp.resolve("none").toString());
        assertUsageLine("tether list: --broker 127.0.0.1:5672 has no scheme: give amqp://127.0.0.1:5672 (amqps:// for TLS,"
                + " failover:(...) for several brokers) (see 'tether list --help')", "list", "--host", "h", "--broker", "127.0.0.1:5672");
        assertUsageLine("tether list: Unmatched argument at index 3: 'extra' (see 'tether list --help')",
                "list", "--host", "h", "extra");
        assertUsageLine("tether manage: Missing required parameter: '<cid>' (or -f FILE) (see 'tether manage --help')",
                "manage", "--host", "h");
        assertUsageLine("tether manage: -f FILE and <cid> <uri> are mutually exclusive (give one) (see 'tether manage --help')",
                "manage", "--host", "h", "c", "-f", "cids.txt");
        assertUsageLine("tether manage: Missing required parameter: '<uri>' (or --uri-file FILE) (see 'tether manage --help')",
                "manage", "--host", "h", "c");
        assertUsageLine("tether await: Missing required parameter: '<cid>' (see 'tether await --help')", "await", "--host", "h");
        assertUsageLine("tether unmanage: Missing required argument (specify one of these): (<cid> | --prefix=<prefix>)"
                + " (see 'tether unmanage --help')", "unmanage", "--host", "h");
        assertUsageLine("tether unmanage: <cid>, --prefix=<prefix> are mutually exclusive (specify only one)"
                + " (see 'tether unmanage --help')", "unmanage", "--host", "h", "c", "--prefix", "p");
        assertUsageLine("tether watch: Missing required parameter for option '--broker' (<broker>)"
                + " (see 'tether watch --help')", "watch", "--broker");
        assertUsageLine("tether worker: Unknown options: '--amqp-prot', '1'; did you mean '--amqp-port'?"
                + " (see 'tether worker --help')", "worker", "--amqp-prot", "1");
        // A value the user typed is shown escaped, so it cannot break the line.
        assertUsageLine("tether list: Invalid value for option '--timeout': '1\\n2' is not a number of seconds from 0.001"
                + " to 86400 (see 'tether list --help')", "list", "--host", "h", "--timeout", "1\n2");
    }

    @Test
    void noDurationOfAnyCommandMayBeZeroOrNegative() {
        String[][] commands = {{"list", "--host", "h"}, {"unmanage", "--host", "h", "c"}, {"await", "--host", "h", "c"},
                {"manage", "--host", "h", "c", "file:///tmp"}, {"watch"}};
        for (String[] command : commands) {
            for (String value : new String[] {"0", "-5", "0.0001", "x"}) {
                String[] args = Stream.concat(Arrays.stream(command), Stream.of("--timeout", value))
                        .toArray(String[]::new);
                assertUsageLine("tether " + command[0] + ": Invalid value for option '--timeout': '" + value + "' is not a number"
                        + " of seconds from 0.001 to 86400 (see 'tether " + command[0] + " --help')", args);
            }
        }
        assertUsageLine("tether await: Invalid value for option '--request-timeout': '-1' is not a number of seconds from"
                + " 0.001 to 86400 (see 'tether await --help')", "await", "--host", "h", "c", "--request-timeout", "-1");
        // --wait, await's --timeout by its former name, is named as the option it is.
        assertUsageLine("tether await: Invalid value for option '--timeout': '-1' is not a number of seconds from 0.001"
                + " to 86400 (see 'tether await --help')", "await", "--host", "h", "c", "--wait", "-1");
    }

    @Test
    void theWorkerRefusesAnOptionOutOfRangeBeforeItStarts() {
        Path data = tmp.resolve("data");
        assertUsageLine("tether worker: Invalid value for option '--amqp-port': '99999' is not a port from 1 to 65535"
                + " (see 'tether worker --help')", "worker", "--data-dir", data.toString(), "--amqp-port", "99999");
        assertUsageLine("tether worker: Invalid value for option '--operation-threads': '0' is not a number of threads"
                + " from 1 to 1024 (see 'tether worker --help')", "worker", "--data-dir", data.toString(), "--operation-threads", "0");
        assertUsageLine("tether worker: --retry-initial 90 is longer than --retry-max 60 (see 'tether worker --help')",
                "worker", "--data-dir", data.toString(), "--retry-initial", "90");
        assertUsageLine("tether worker: --allow-mount-option reconnect: give FSTYPE:OPTION, e.g. fuse.sshfs:reconnect"
                + " (see 'tether worker --help')", "worker", "--data-dir", data.toString(), "--allow-mount-option", "reconnect");
        assertFalse(Files.exists(data), "nothing started");
    }
}
