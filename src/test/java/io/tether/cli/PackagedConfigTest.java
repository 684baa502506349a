package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The package's /etc/tether/worker.conf names every setting of {@code tether worker} (most as a
 * commented example), so an operator finds each where the package puts the configuration; and its
 * uncommented lines are read as the worker reads them.
 */
class PackagedConfigTest {
    private static final Path PACKAGED = Path.of("src/main/packaging/worker.conf");
    /** Kept out of the file on purpose: the password belongs in broker-password-file. */
    private static final Set<String> NOT_SUGGESTED = Set.of("broker-password");

    @Test
    void mentionsEveryWorkerSetting() throws Exception {
        String text = Files.readString(PACKAGED);
        CommandLine worker = new CommandLine(new WorkerCommand());
        List<String> missing = worker.getCommandSpec().options().stream()
                .map(OptionSpec::longestName)
                .filter(name -> !List.of("--help", "--version", ConfigLayers.CONFIG_OPTION, ConfigLayers.PRINT_OPTION).contains(name))
                .map(name -> name.substring(2))
                .filter(name -> !NOT_SUGGESTED.contains(name))
                .filter(name -> !Pattern.compile("(?m)^#?" + Pattern.quote(name) + " = ").matcher(text).find())
                .toList();
        assertEquals(List.of(), missing, "settings worker.conf does not mention");
        assertTrue(text.contains("\ndata-dir = /var/lib/tether\n"), "the one setting it makes");
    }
}
