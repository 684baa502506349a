package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What the CLI offers beyond its commands: the man page and shell completion made from them, and "did you mean". */
class CommandLineHelpTest {
    private static String run(String... args) {
        CommandLine cli = Main.commandLine(args);
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute(args), String.join(" ", args));
        return out.toString();
    }

    @Test
    void theManPageHasEveryCommandAndOption() {
        String page = run("man");
        assertTrue(page.startsWith(".TH TETHER 1 "), page);
        for (String command : new String[] {"worker", "manage", "unmanage", "list", "watch", "await", "console", "data"}) {
            assertTrue(page.contains("\n.SS tether " + command + "\n"), command);
        }
        assertTrue(page.contains("\\fB\\-\\-timeout, \\-\\-wait\\fR \\fISECONDS\\fR"), "await's --timeout");
        assertTrue(page.contains("\\fB\\-\\-request\\-timeout\\fR \\fISECONDS\\fR"), "--request-timeout");
        assertFalse(page.contains(".SS tether man\n") || page.contains(".SS tether completion"), "hidden commands are not listed");
        // No line of text is read as a roff request.
        assertTrue(page.lines().filter(l -> l.startsWith(".") || l.startsWith("'"))
                .allMatch(l -> l.matches("\\.(TH|SH|SS|TP|PP|B) ?.*")), page);
    }

    @Test
    void roffShowsTextLiterally() {
        assertEquals("\\&.not a request \\e \\-\\-x", ManCommand.roff(".not a request \\ --x"));
    }

    @Test
    void theCompletionScriptCompletesEveryCommandAndOption() {
        String script = run("completion");
        assertTrue(script.contains("complete -F _complete_tether"), script.substring(0, 200));
        assertTrue(script.contains("--request-timeout") && script.contains("--prefix") && script.contains("unmanage"));
        assertFalse(script.startsWith("#!"), "a script to source, not to run: " + script.substring(0, 40));
    }

    @Test
    void editsCountASwapOfNeighboursAsOne() {
        assertEquals(1, Edits.distance("lsit", "list"));
        assertEquals(1, Edits.distance("mange", "manage"));
        assertEquals(0, Edits.distance("await", "await"));
        assertEquals(4, Edits.distance("", "data"));
    }
}
