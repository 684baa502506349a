package io.tether.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tether.argv.Address;
import io.tether.argv.Arg;
import io.tether.argv.HostId;
import io.tether.argv.LocalPath;
import io.tether.argv.Nqn;
import io.tether.argv.Word;
import io.tether.connection.Health;
import io.tether.uri.IpLiteral;
import io.tether.uri.NvmeScheme;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVMe over TCP connections: one controller of the host's per subsystem and port, made with
 * {@code nvme connect} and found afterwards in sysfs ({@link NvmeControllers}), so that a
 * controller that is there already, made by an earlier worker or by hand, is adopted rather than
 * made twice (docs/connectors.md, "NVMe over TCP"). While the kernel reconnects a controller
 * ({@code connecting}, {@code resetting}) it is left to the kernel: the failure says
 * "recovering". The subsystem's other controllers are its native multipath paths. A
 * DH-HMAC-CHAP secret reaches nvme-cli in a configuration file of the worker's alone, never on its
 * command line (docs/connectors.md, "Secrets").
 */
public final class NvmeConnector implements Connector {
    private static final Logger log = LoggerFactory.getLogger(NvmeConnector.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;
    private final NvmeControllers controllers;
    private final NvmeHost host;
    private final SecretFiles secretFiles;
    private final Duration timeout;
    private final MountPolicy policy;

    NvmeConnector(CommandRunner runner, NvmeControllers controllers, NvmeHost host, SecretFiles secretFiles,
            Duration timeout) {
        this(runner, controllers, host, secretFiles, timeout, MountPolicy.defaults());
    }

    NvmeConnector(CommandRunner runner, NvmeControllers controllers, NvmeHost host, SecretFiles secretFiles,
            Duration timeout, MountPolicy policy) {
        this.runner = runner;
        this.controllers = controllers;
        this.host = host;
        this.secretFiles = secretFiles;
        this.timeout = timeout;
        this.policy = policy;
    }

    /**
     * This host's: sysfs's controllers, {@code /etc/nvme}'s identity, secrets in {@code /run/tether};
     * {@code policy} says which parameters a URI may give {@code nvme connect}.
     */
    public static NvmeConnector ofHost(CommandRunner runner, Duration timeout, MountPolicy policy) {
        return new NvmeConnector(runner, NvmeControllers.ofHost(), NvmeHost.ofHost(), SecretFiles.ofHost(), timeout,
                policy);
    }

    /**
     * The controller is there and live; while the kernel reconnects it the failure says
     * "recovering". Every controller of the subsystem is a path: those that serve I/O are active.
     */
    @Override
    public Probe probe(StorageUri uri) throws ConnectorException {
        NvmeScheme.Target target = NvmeScheme.target(uri);
        NvmeControllers.Controller controller = controller(target).orElseThrow(() -> new ConnectorException(
                VdsmError.StorageServerConnectionError, "no NVMe/TCP controller of " + target.nqn() + " at " + where(target)));
        requireLive(controller, target);
        return new Probe(false, paths(controllers.ofSubsystem(target.nqn())), Map.of());
    }

    /** Connects to the subsystem, or adopts the controller there is, and probes it. */
    @Override
    public Probe establish(StorageUri uri) throws ConnectorException {
        // A CID stored before the host's policy refused its parameters connects with none of them.
        try {
            policy.check(uri);
        } catch (MountPolicy.NotAllowed e) {
            throw new ConnectorException(VdsmError.StorageServerValidationError, e.getMessage());
        }
        NvmeScheme.Target target = NvmeScheme.target(uri);
        Optional<NvmeControllers.Controller> existing = controller(target);
        if (existing.isPresent()) {
            // One the kernel is reconnecting is left to it: probe says "recovering".
            log.info("key={} adopted the existing NVMe/TCP controller {}", uri.key(), existing.get().name().text());
            return probe(uri);
        }
        Reachability.tcp("NVMe/TCP port", target.host(), target.port(), timeout, VdsmError.StorageServerConnectionError);
        connect(uri, target);
        NvmeControllers.Controller made = controller(target).orElseThrow(() -> new ConnectorException(
                VdsmError.StorageServerConnectionError, "nvme connect to " + target.nqn() + " at " + where(target)
                        + " succeeded, but sysfs shows no controller of it"));
        log.info("key={} connected NVMe/TCP controller {} to {} at {}", uri.key(), made.name().text(), target.nqn(), where(target));
        return probe(uri);
    }

    /** Deletes the controller; only the last CID of the connection gets here. */
    @Override
    public void disconnect(StorageUri uri) throws ConnectorException {
        NvmeScheme.Target target = NvmeScheme.target(uri);
        Optional<NvmeControllers.Controller> controller = controller(target);
        if (controller.isEmpty()) {
            return;
        }
        Command disconnect = HostCommands.nvmeDisconnect(controller.get().name());
        CommandRunner.Result result = runner.runOrThrow(disconnect, timeout, VdsmError.StorageServerDisconnectionError,
                VdsmError.StorageServerDisconnectionError);
        // Gone meanwhile (the kernel deleted it past its ctrl-loss-tmo) is what was wanted.
        if (result.exitCode() != 0 && controller(target).isPresent()) {
            throw new ConnectorException(VdsmError.StorageServerDisconnectionError, disconnect + " failed (exit "
                    + result.exitCode() + "): " + result.message());
        }
        log.info("key={} disconnected NVMe/TCP controller {}", uri.key(), controller.get().name().text());
    }

    private void connect(StorageUri uri, NvmeScheme.Target target) throws ConnectorException {
        Map<String, String> settings = target.settings();
        NvmeHost.Identity identity = identity(settings);
        Address address = address(target);
        Nqn nqn = new Nqn(target.nqn());
        // The host's own NQN goes with its own id; another NQN with the URI's id, or none (identity's doc).
        boolean hostIdGiven = settings.get(NvmeScheme.HOST_NQN) == null || settings.get(NvmeScheme.HOST_ID) != null;
        if (target.secret().isEmpty()) {
            run(connectCommand(target, address, nqn, identity, hostIdGiven, Word.NVME_NO_CONFIG));
            return;
        }
        try (SecretFiles.SecretFile config = secretFiles.write(config(target, address, identity))) {
            run(connectCommand(target, address, nqn, identity, hostIdGiven,
                    new io.tether.argv.Joined(Word.NVME_CONFIG, new LocalPath(config.path().toString()))));
        } catch (IOException e) {
            throw new ConnectorException(VdsmError.StorageServerConnectionError, "the DH-HMAC-CHAP secret of " + uri.key()
                    + " could not be handed to nvme: " + e.getMessage());
        }
    }

    /** {@code nvme connect} for {@code target} at {@code address}, with the URI's settings after the rest. */
    static Command connectCommand(NvmeScheme.Target target, Address address, Nqn nqn, NvmeHost.Identity identity,
            boolean hostIdGiven, Arg config) {
        Command connect = HostCommands.nvmeConnect(address, target.port(), nqn, identity, hostIdGiven, config);
        setting(connect, target, NvmeScheme.CTRL_LOSS_TMO, Word.NVME_CTRL_LOSS_TMO);
        setting(connect, target, NvmeScheme.RECONNECT_DELAY, Word.NVME_RECONNECT_DELAY);
        setting(connect, target, NvmeScheme.NR_IO_QUEUES, Word.NVME_NR_IO_QUEUES);
        return connect;
    }

    private static void setting(Command connect, NvmeScheme.Target target, String name, Word option) {
        String value = target.settings().get(name);
        if (value != null) {
            connect.arg(HostCommands.nvmeSetting(option, Integer.parseInt(value)));
        }
    }

    private void run(Command connect) throws ConnectorException {
        CommandRunner.Result result = runner.runOrThrow(connect, timeout, VdsmError.StorageServerConnectionError,
                VdsmError.StorageServerConnectionError);
        if (result.exitCode() != 0) {
            // The kernel says why in its log; nvme-cli passes on its errno, which tells a refused host apart.
            VdsmError error = result.message().contains("Permission denied") || result.message().contains("Operation not permitted")
                    ? VdsmError.StorageServerAccessPermissionError : VdsmError.StorageServerConnectionError;
            throw new ConnectorException(error, connect + " failed (exit " + result.exitCode() + "): " + result.message());
        }
    }

    /**
     * The host's identity, or the URI's: a host NQN given without a host id is connected with none,
     * so that nvme-cli's own default applies (docs/connectors.md, "NVMe over TCP").
     */
    private NvmeHost.Identity identity(Map<String, String> settings) throws ConnectorException {
        String hostNqn = settings.get(NvmeScheme.HOST_NQN);
        String hostId = settings.get(NvmeScheme.HOST_ID);
        if (hostNqn != null && hostId != null) {
            return new NvmeHost.Identity(new Nqn(hostNqn), new HostId(hostId));
        }
        NvmeHost.Identity own = host.identity();
        return new NvmeHost.Identity(hostNqn == null ? own.hostNqn() : new Nqn(hostNqn),
                hostId == null ? own.hostId() : new HostId(hostId));
    }

    /**
     * libnvme's JSON configuration of one host with its DH-HMAC-CHAP key, which nvme connect takes
     * for the host it connects as ({@code --config=FILE}).
     */
    private static String config(NvmeScheme.Target target, Address address, NvmeHost.Identity identity) throws IOException {
        Map<String, Object> port = Map.of("transport", "tcp", "traddr", address.text(), "trsvcid", target.trsvcid());
        Map<String, Object> subsystem = Map.of("nqn", target.nqn(), "ports", List.of(port));
        Map<String, Object> hostEntry = Map.of("hostnqn", identity.hostNqn().text(), "hostid", identity.hostId().text(),
                "dhchap_key", target.secret().orElseThrow().text(), "subsystems", List.of(subsystem));
        try {
            return JSON.writeValueAsString(List.of(hostEntry));
        } catch (JsonProcessingException e) {
            throw new IOException("the configuration could not be written as JSON", e);
        }
    }

    /**
     * Fails unless the controller is live: as "recovering" while the kernel reconnects it (its
     * I/O waits, or fails past fast_io_fail_tmo, until it is back or ctrl-loss-tmo deletes it).
     */
    private static void requireLive(NvmeControllers.Controller controller, NvmeScheme.Target target) throws ConnectorException {
        String which = "NVMe/TCP controller " + controller.name().text() + " of " + target.nqn() + " at " + where(target);
        switch (controller.state()) {
            case NvmeControllers.LIVE -> {
            }
            case NvmeControllers.CONNECTING, NvmeControllers.RESETTING -> throw ConnectorException.recovering(
                    VdsmError.StorageServerConnectionError, which + " is " + controller.state()
                            + ": the kernel is reconnecting it, so it is left to the kernel");
            default -> throw new ConnectorException(VdsmError.StorageServerConnectionError, which + " is " + controller.state());
        }
    }

    /** The subsystem's controllers as paths: active those that serve I/O, failed the others, by name. */
    static Health.Paths paths(List<NvmeControllers.Controller> ofSubsystem) {
        int active = 0;
        List<String> failed = new ArrayList<>();
        for (NvmeControllers.Controller controller : ofSubsystem) {
            if (controller.serves()) {
                active++;
            } else {
                failed.add(controller.name().text());
            }
        }
        return new Health.Paths(active, failed.size(), failed);
    }

    /**
     * The host's TCP controller of the subsystem at the URI's address and port, addresses compared
     * in one spelling: sysfs shows the address as the kernel was given it.
     */
    private Optional<NvmeControllers.Controller> controller(NvmeScheme.Target target) {
        String address = Reachability.address(target.host());
        return controllers.ofSubsystem(target.nqn()).stream()
                .filter(c -> c.transport().equals("tcp") && c.port() == target.port())
                .filter(c -> IpLiteral.canonical(c.address()).orElse(c.address()).equals(address))
                .findFirst();
    }

    private static Address address(NvmeScheme.Target target) throws ConnectorException {
        String address = Reachability.address(target.host());
        try {
            return new Address(address);
        } catch (IllegalArgumentException e) {
            throw new ConnectorException(VdsmError.StorageServerConnectionError, "NVMe/TCP host " + target.host()
                    + " does not resolve to an address");
        }
    }

    private static String where(NvmeScheme.Target target) {
        return target.host() + ":" + target.port();
    }
}
