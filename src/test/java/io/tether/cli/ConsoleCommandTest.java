package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code tether console}'s command line in error, said in one line before anything starts. */
class ConsoleCommandTest {
    private record Ran(int exit, String out, String err) {
    }

    private static Ran tether(String... args) {
        picocli.CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Ran(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void aCommandLineInErrorIsOneLineAndExit64() {
        assertEquals(new Ran(64, "", "tether console: --http-address nowhere: give HOST:PORT (e.g. 127.0.0.1:9464) or off"
                + " (see 'tether console --help')\n"), tether("console", "--http-address", "nowhere"));
        assertEquals(new Ran(64, "", "tether console: --http-address off: the console is nothing but its page"
                + " (see 'tether console --help')\n"), tether("console", "--http-address", "off"));
        assertEquals(new Ran(64, "", "tether console: host id \"h1.example\" is not one: it must be 1-64 characters of A-Z,"
                + " a-z, 0-9, '_' and '-' (see 'tether console --help')\n"), tether("console", "--host", "h1,h1.example"));
        assertEquals(new Ran(64, "", "tether console: Invalid value for option '--refresh': '0' is not a number of seconds"
                + " from 0.001 to 86400 (see 'tether console --help')\n"), tether("console", "--refresh", "0"));
    }

    @Test
    void anAddressInUseIsOneLineAndExit1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.io.PrintStream before = System.err;
            int exit;
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                exit = Main.commandLine().execute("console", "--http-address", "127.0.0.1:" + taken.getLocalPort(),
                        "--data-dir", "/nonexistent", "--broker", "amqp://127.0.0.1:1");
            } finally {
                System.setErr(before);
            }
            String said = err.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(1, exit, said);
            assertEquals(1, said.lines().count(), said);
            assertEquals(true, said.startsWith("tether console: cannot serve on 127.0.0.1:" + taken.getLocalPort() + ": "), said);
        }
    }
}
