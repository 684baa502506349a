package io.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The worker's settings from its config file, then TETHER_* variables, then the command line, the
 * later winning; what --print-config shows; and the secrets the worker refuses where others see them.
 */
class ConfigLayersTest {

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path file = dir.resolve("worker.conf");
        Files.write(file, List.of(lines));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** A worker command line parsed with this environment and this default config file. */
    private record Parsed(WorkerCommand command, ConfigLayers layers) {
        static Parsed of(Map<String, String> env, Path defaultFile, String... args) {
            WorkerCommand command = new WorkerCommand();
            ConfigLayers layers = new ConfigLayers(env, defaultFile);
            new CommandLine(command).setDefaultValueProvider(layers).parseArgs(args);
            return new Parsed(command, layers);
        }
    }

    /** Parses as Main would run it, apply() done. */
    private WorkerCommand parse(Map<String, String> env, Path defaultFile, String... args) {
        Parsed parsed = Parsed.of(env, defaultFile, args);
        parsed.layers().apply(parsed.command().spec);
        return parsed.command();
    }

    private String printed(Map<String, String> env, Path defaultFile, String... args) {
        Parsed parsed = Parsed.of(env, defaultFile, args);
        StringWriter out = new StringWriter();
        parsed.layers().print(parsed.command().spec, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void theFileSetsOptionsTheEnvironmentOverridesItAndTheCommandLineBoth() throws IOException {
        Path conf = file("# a comment", "", "probe-interval = 30", "amqp-port=6000", "  host-id =  filehost  ",
                "operation-threads = 4", "allow-vfs-type = fuse.sshfs", "allow-vfs-type = none", "health-delay-threshold = 2.5",
                "allow-suid-dev = ext4", "allow-suid-dev = xfs");
        WorkerCommand fromFile = parse(Map.of(), conf);
        assertEquals(Duration.ofSeconds(30), fromFile.probeInterval);
        assertEquals(6000, fromFile.amqpPort);
        assertEquals("filehost", fromFile.hostId);
        assertEquals(4, fromFile.operationThreads);
        assertEquals(Duration.ofMillis(2500), fromFile.healthDelayThreshold);
        assertEquals(List.of("fuse.sshfs", "none"), fromFile.allowVfsTypes);
        assertEquals(List.of("ext4", "xfs"), fromFile.allowSuidDev);
        assertEquals(Duration.ofSeconds(10), fromFile.operationTimeout, "neither sets it: the option's own default");

        Map<String, String> env = Map.of("TETHER_PROBE_INTERVAL", "20", "TETHER_AMQP_PORT", "7000",
                "TETHER_ALLOW_VFS_TYPE", "fuse.x");
        WorkerCommand fromEnv = parse(env, conf);
        assertEquals(Duration.ofSeconds(20), fromEnv.probeInterval);
        assertEquals(7000, fromEnv.amqpPort);
        assertEquals("filehost", fromEnv.hostId);
        assertEquals(List.of("fuse.x"), fromEnv.allowVfsTypes);

        WorkerCommand fromFlags = parse(env, conf, "--probe-interval", "5", "--allow-vfs-type", "fuse.y");
        assertEquals(Duration.ofSeconds(5), fromFlags.probeInterval);
        assertEquals(7000, fromFlags.amqpPort);
        assertEquals(List.of("fuse.y"), fromFlags.allowVfsTypes);
    }

    @Test
    void configNamesAnotherFileAndTheDefaultIsReadOnlyIfItExists() throws IOException {
        Path other = dir.resolve("other.conf");
        Files.write(other, List.of("host-id = other"));
        assertEquals("other", parse(Map.of(), file("host-id = default"), "--config", other.toString()).hostId);
        assertEquals("other", parse(Map.of("TETHER_CONFIG", other.toString()), file("host-id = default")).hostId);
        assertNull(parse(Map.of(), dir.resolve("absent.conf")).hostId);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), null, "--config", dir.resolve("absent.conf").toString()));
        assertEquals("config file " + dir.resolve("absent.conf") + " does not exist", missing.getMessage());
    }

    @Test
    void aNameThatIsNoOptionAndALineWithoutValueAreRefusedWithTheLine() throws IOException {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), file("host-id = h", "probe-intervall = 3")));
        assertEquals(dir.resolve("worker.conf") + " line 2: 'probe-intervall' is not an option of tether worker",
                unknown.getMessage());
        IllegalArgumentException layering = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), file("config = /x")));
        assertEquals(dir.resolve("worker.conf") + " line 1: 'config' is not an option of tether worker", layering.getMessage());
        IllegalArgumentException noValue = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), file("# c", "host-id")));
        assertEquals(dir.resolve("worker.conf") + " line 2: give name = value", noValue.getMessage());
    }

    @Test
    void aValueFromTheFileIsCheckedAsOnTheCommandLine() throws IOException {
        Path conf = file("amqp-port = 99999");
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(Map.of(), conf));
        assertEquals("Invalid value for option '--amqp-port': '99999' is not a port from 1 to 65535", e.getMessage());
    }

    @Test
    void aPasswordIsRefusedOnTheCommandLineAndInAFileOthersMayRead() throws IOException {
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> parse(Map.of(), null, "--broker-password", "s3cret"));
        assertEquals("--broker-password on the command line is visible to every user in ps: give"
                + " --broker-password-file FILE, or TETHER_BROKER_PASSWORD", flag.getMessage());

        Path conf = file("broker-user = u", "broker-password = s3cret");
        assertEquals("s3cret", parse(Map.of(), conf).brokerPassword, "the owner's alone: accepted");
        for (String mode : List.of("rw-r-----", "rw----r--")) {
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString(mode));
            IllegalArgumentException readable = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), conf));
            assertEquals(conf + " holds broker-password but others may read it: chmod 600 " + conf
                    + ", or give the password in broker-password-file", readable.getMessage());
        }
        Path noSecret = file("host-id = h");
        Files.setPosixFilePermissions(noSecret, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("h", parse(Map.of(), noSecret).hostId, "a file without a secret may be readable");
        assertEquals("fromenv", parse(Map.of("TETHER_BROKER_PASSWORD", "fromenv"), null).brokerPassword);
    }

    @Test
    void printConfigShowsTheEffectiveSettingsWithSecretsMasked() throws IOException {
        Path conf = file("broker-password = s3cret", "host-id = filehost", "allow-mount-option = fuse.sshfs:reconnect",
                "allow-mount-option = nfs:nolock");
        String out = printed(Map.of("TETHER_RETRY_MAX", "120"), conf, "--amqp-port", "6001");
        List<String> lines = out.lines().toList();
        assertEquals("# tether worker: " + conf + " < TETHER_* environment < command line", lines.get(0));
        assertTrue(lines.contains("host-id = filehost"), out);
        assertTrue(lines.contains("amqp-port = 6001"), out);
        assertTrue(lines.contains("retry-max = 120"), out);
        assertTrue(lines.contains("probe-interval = 10"), out);
        assertTrue(lines.contains("broker-password = " + ConfigLayers.MASK), out);
        assertTrue(lines.contains("#broker-url ="), out);
        assertEquals(List.of("allow-mount-option = fuse.sshfs:reconnect", "allow-mount-option = nfs:nolock"),
                lines.stream().filter(l -> l.startsWith("allow-mount-option")).toList());
        assertFalse(out.contains("s3cret"), out);
        assertFalse(out.contains("print-config"), out);
    }

    /** What the worker works out for a setting no layer gives (its host id from the host name) is printed as it runs. */
    @Test
    void printConfigShowsTheValueWorkedOutForAnUnsetOption() {
        Parsed parsed = Parsed.of(Map.of(), null, "--data-dir", "/srv/tether");
        StringWriter out = new StringWriter();
        parsed.layers().print(parsed.command().spec, new PrintWriter(out), Map.of("host-id", "myhost", "mount-root", "/srv/tether/mnt"));
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.contains("host-id = myhost"), out.toString());
        assertTrue(lines.contains("mount-root = /srv/tether/mnt"), out.toString());
        assertFalse(out.toString().contains("#host-id"), out.toString());
    }
}
