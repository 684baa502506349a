package io.tether.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tether.connection.Health;
import io.tether.testing.RecordingRunner;
import io.tether.uri.UriParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NVMe/TCP connector against sysfs trees the guest's kernel showed (src/test/resources/nvme-sysfs:
 * two controllers of one subsystem, nvme1 at port 4420 and nvme0 at 4421 of 127.0.0.1; in
 * {@code port-down} nvme0 is reconnecting) and a runner that
 * records the commands: what it adopts, what it runs, how it grades the paths, and where the
 * DH-HMAC-CHAP secret goes.
 */
class NvmeConnectorTest {
    private static final String NQN = "nqn.2026-12.io.tether.test:nvme1";
    private static final String SECRET = "DHHC-1:00:pgyqILTpXNz2qLThj6bJn+tW+DayfZz39zJnzEGAJu1k/mwH:";

    @TempDir
    Path tmp;

    static Path tree(String name) throws Exception {
        return Path.of(NvmeConnectorTest.class.getResource("/nvme-sysfs/" + name).toURI());
    }

    private NvmeConnector connector(CommandRunner runner, Path sysfs) {
        return new NvmeConnector(runner, new NvmeControllers(sysfs), new NvmeHost(tmp.resolve("etc-nvme")),
                new SecretFiles(tmp.resolve("secrets")), Duration.ofSeconds(2));
    }

    @Test
    void aStoredUriThePolicyNowRefusesRunsNothing() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        ConnectorException e = assertThrows(ConnectorException.class, () -> connector(runner, tree("two-live"))
                .establish(UriParser.parse("nvme+tcp://127.0.0.1/" + NQN + "?hostid=0f8fad5b-d9cb-469f-a165-70867728950e")));
        assertEquals(453, e.error().code());
        assertTrue(e.getMessage().contains("--allow-nvme-parameter hostid"), e.getMessage());
        assertEquals(List.of(), runner.commands);
    }

    @Test
    void aLiveControllerIsProbedWithEveryControllerOfItsSubsystemAsAPath() throws Exception {
        Probe probe = connector(new RecordingRunner(), tree("two-live")).probe(UriParser.parse("nvme+tcp://127.0.0.1/" + NQN));
        assertEquals(new Health.Paths(2, 0), probe.paths());
    }

    @Test
    void aPortDownIsAFailedPathForOneAndRecoveringForTheOther() throws Exception {
        NvmeConnector nvme = connector(new RecordingRunner(), tree("port-down"));
        Probe probe = nvme.probe(UriParser.parse("nvme+tcp://127.0.0.1:4420/" + NQN));
        assertEquals(new Health.Paths(1, 1, List.of("nvme0")), probe.paths());
        ConnectorException down = assertThrows(ConnectorException.class,
                () -> nvme.probe(UriParser.parse("nvme+tcp://127.0.0.1:4421/" + NQN)));
        assertTrue(down.isRecovering(), "left to the kernel: " + down.getMessage());
        assertEquals("NVMe/TCP controller nvme0 of " + NQN + " at 127.0.0.1:4421 is connecting: the kernel is"
                + " reconnecting it, so it is left to the kernel", down.getMessage());
        ConnectorException establishing = assertThrows(ConnectorException.class,
                () -> nvme.establish(UriParser.parse("nvme+tcp://127.0.0.1:4421/" + NQN)));
        assertTrue(establishing.isRecovering(), "a reconnecting controller is not connected again");
    }

    /** A live controller whose namespace path the target made ANA-inaccessible takes no I/O: a failed path. */
    @Test
    void anAnaInaccessiblePathIsFailed() throws Exception {
        Path sysfs = tmp.resolve("sysfs");
        try (var files = Files.walk(tree("two-live"))) {
            for (Path from : files.toList()) {
                Path to = sysfs.resolve(tree("two-live").relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        Files.writeString(sysfs.resolve("nvme-subsys0/nvme0/nvme0c0n1/ana_state"), "inaccessible\n");
        Probe probe = connector(new RecordingRunner(), sysfs).probe(UriParser.parse("nvme+tcp://127.0.0.1/" + NQN));
        assertEquals(new Health.Paths(1, 1, List.of("nvme0")), probe.paths());
    }

    @Test
    void anExistingControllerIsAdoptedWhateverTheAddressSpelling() throws Exception {
        RecordingRunner runner = new RecordingRunner();
        NvmeConnector nvme = connector(runner, tree("two-live"));
        assertEquals(new Health.Paths(2, 0), nvme.establish(UriParser.parse("nvme+tcp://127.0.0.1:4421/" + NQN)).paths());
        assertEquals(List.of(), runner.commands, "adopted: nothing run");
    }

    @Test
    void anotherSubsystemOrPortHasNoController() throws Exception {
        NvmeConnector nvme = connector(new RecordingRunner(), tree("two-live"));
        ConnectorException e = assertThrows(ConnectorException.class,
                () -> nvme.probe(UriParser.parse("nvme+tcp://127.0.0.1:4422/" + NQN)));
        assertEquals("no NVMe/TCP controller of " + NQN + " at 127.0.0.1:4422", e.getMessage());
        assertFalse(e.isRecovering());
        assertThrows(ConnectorException.class, () -> nvme.probe(UriParser.parse("nvme+tcp://127.0.0.1/" + NQN + "x")));
    }

    /** The host's identity is made once and given to every connect; no configuration file adds to it. */
    @Test
    void connectsAsTheHostsOwnIdentityMadeOnce() throws Exception {
        try (ServerSocket port = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            RecordingRunner runner = new RecordingRunner();
            NvmeConnector nvme = connector(runner, tmp.resolve("no-sysfs"));
            String uri = "nvme+tcp://127.0.0.1:" + port.getLocalPort() + "/" + NQN + "?ctrl-loss-tmo=60&nr-io-queues=2";
            assertThrows(ConnectorException.class, () -> nvme.establish(UriParser.parse(uri)));
            assertThrows(ConnectorException.class, () -> nvme.establish(UriParser.parse(uri)));
            String hostId = Files.readString(tmp.resolve("etc-nvme/hostid")).strip();
            assertEquals("nqn.2014-08.org.nvmexpress:uuid:" + hostId, Files.readString(tmp.resolve("etc-nvme/hostnqn")).strip());
            String expected = "nvme connect --transport=tcp --traddr=127.0.0.1 --trsvcid=" + port.getLocalPort() + " --nqn=" + NQN
                    + " --hostnqn=nqn.2014-08.org.nvmexpress:uuid:" + hostId + " --hostid=" + hostId
                    + " --config=none --ctrl-loss-tmo=60 --nr-io-queues=2";
            assertEquals(List.of(expected, expected), runner.commands);
        }
    }

    /** An existing identity is the host's: read, never replaced. */
    @Test
    void anExistingIdentityIsKept() throws Exception {
        Files.createDirectories(tmp.resolve("etc-nvme"));
        Files.writeString(tmp.resolve("etc-nvme/hostnqn"), "nqn.2014-08.org.example:host1\n");
        Files.writeString(tmp.resolve("etc-nvme/hostid"), "0F8FAD5B-D9CB-469F-A165-70867728950E\n");
        NvmeHost.Identity identity = new NvmeHost(tmp.resolve("etc-nvme")).identity();
        assertEquals("nqn.2014-08.org.example:host1", identity.hostNqn().text());
        assertEquals("0f8fad5b-d9cb-469f-a165-70867728950e", identity.hostId().text());
    }

    /** The secret goes in a configuration file of the worker's alone, gone once nvme has run; never on the command line. */
    @Test
    void theSecretReachesNvmeInAFileOnly() throws Exception {
        List<String> configs = new CopyOnWriteArrayList<>();
        List<String> commands = new ArrayList<>();
        CommandRunner runner = new CommandRunner() {
            @Override
            public Result run(Command command, Duration timeout) {
                commands.add(String.join(" ", command.argv()));
                for (String arg : command.argv()) {
                    if (arg.startsWith("--config=/")) {
                        try {
                            configs.add(Files.readString(Path.of(arg.substring("--config=".length()))));
                        } catch (java.io.IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }
                return new Result(0, "", "");
            }
        };
        try (ServerSocket port = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            NvmeConnector nvme = connector(runner, tmp.resolve("no-sysfs"));
            ConnectorException e = assertThrows(ConnectorException.class, () -> nvme.establish(UriParser.parse(
                    "nvme+tcp://" + SECRET.replace("/", "%2F") + "@127.0.0.1:" + port.getLocalPort() + "/" + NQN)));
            assertTrue(e.getMessage().endsWith("succeeded, but sysfs shows no controller of it"), e.getMessage());
        }
        assertEquals(1, commands.size());
        assertFalse(commands.get(0).contains("DHHC"), commands.get(0));
        assertEquals(1, configs.size());
        Map<?, ?> host = (Map<?, ?>) new com.fasterxml.jackson.databind.ObjectMapper().readValue(configs.get(0), List.class).get(0);
        assertEquals(SECRET, host.get("dhchap_key"));
        assertEquals(Files.readString(tmp.resolve("etc-nvme/hostnqn")).strip(), host.get("hostnqn"));
        try (var left = Files.list(tmp.resolve("secrets"))) {
            assertEquals(0, left.count(), "the file is removed once nvme has run");
        }
    }

    @Test
    void disconnectDeletesTheControllerAndNothingWhenItIsGone() throws Exception {
        List<String> commands = new ArrayList<>();
        CommandRunner runner = new CommandRunner() {
            @Override
            public Result run(Command command, Duration timeout) {
                commands.add(command.toString());
                return new Result(0, "", "");
            }
        };
        connector(runner, tree("two-live")).disconnect(UriParser.parse("nvme+tcp://127.0.0.1:4421/" + NQN));
        connector(runner, tmp.resolve("no-sysfs")).disconnect(UriParser.parse("nvme+tcp://127.0.0.1:4421/" + NQN));
        assertEquals(List.of("nvme disconnect --device=nvme0"), commands);
    }

    @Test
    void controllersNoCidHoldsAreListedUnderTheirKeys() throws Exception {
        List<ActiveConnections.Active> found = new ActiveConnections(tmp.resolve("mnt"), new MountTable(tmp.resolve("none")),
                new IscsiSessions(tmp.resolve("none")), new NvmeControllers(tree("two-live"))).scan(List.of());
        assertEquals(List.of("nvme+tcp://127.0.0.1/" + NQN, "nvme+tcp://127.0.0.1:4421/" + NQN),
                found.stream().map(a -> a.key().value()).sorted().toList());
        assertEquals("nvme1", found.stream().filter(a -> a.key().value().equals("nvme+tcp://127.0.0.1/" + NQN))
                .findFirst().orElseThrow().info().get("controller"));
    }
}
