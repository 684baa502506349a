package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tether -V}: the version the build was made as (the pom's, which the packages carry) and its git revision. */
class VersionTest {
    @Test
    void saysThePomsVersionAndTheRevision() throws Exception {
        Matcher pom = Pattern.compile("<artifactId>tether</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(pom.find());
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("-V"));
        assertTrue(out.toString().matches("tether " + Pattern.quote(pom.group(1)) + " \\(revision ([0-9a-f]{7,40}|unknown)\\)\\n"),
                out.toString());
    }
}
