package io.tether.connector;

import io.tether.argv.ChapName;
import io.tether.argv.ChapSecret;
import io.tether.argv.Iqn;
import io.tether.argv.SessionId;
import io.tether.argv.Word;
import io.tether.connection.Health;
import io.tether.uri.IpLiteral;
import io.tether.uri.IscsiScheme;
import io.tether.uri.StorageUri;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iSCSI connections: one session per target, portal, portal group tag and iface, made the way VDSM
 * makes it (docs/connectors.md, "iSCSI"). Before iscsiadm runs, the target itself is asked:
 * the portal must accept TCP, and libiscsi's {@code iscsi-inq} (when installed) must log in with the
 * CHAP credentials, so "unreachable", "wrong password" and "no such target" are told apart.
 * Credentials reach the tools through the environment or a masked argument, never a log line;
 * iscsiadm takes the CHAP password only as an argument, where {@code ps} shows it for as long as
 * that iscsiadm runs, and keeps it in its node record, root's alone, from which iscsid logs the
 * session in again after a restart of its own (docs/connectors.md, "Secrets").
 */
public final class IscsiConnector implements Connector {
    private static final Logger log = LoggerFactory.getLogger(IscsiConnector.class);
    /** iscsiadm's exit codes that are not plain failures (docs/connectors.md, "iscsiadm"). */
    private static final int SESSION_EXISTS = 15;
    private static final int NO_SUCH_SESSION = 21;
    private static final int AUTHENTICATION_FAILURE = 24;

    private final CommandRunner runner;
    private final IscsiSessions sessions;
    private final Duration timeout;
    private final Optional<Iqn> initiatorName;

    public IscsiConnector(CommandRunner runner, IscsiSessions sessions, Duration timeout) {
        this.runner = runner;
        this.sessions = sessions;
        this.timeout = timeout;
        this.initiatorName = initiatorName();
    }

    /**
     * The session is there and logged in; while iscsid recovers it (state FAILED, and FREE past
     * its recovery_tmo) the failure says "recovering", so that the monitor leaves it to iscsid. Where
     * multipathd runs, the LUN's map's active and failed paths.
     */
    @Override
    public Probe probe(StorageUri uri) throws ConnectorException {
        IscsiScheme.Target target = IscsiScheme.target(uri);
        IscsiSessions.Session session = session(target).orElseThrow(() -> new ConnectorException(
                VdsmError.StorageServerConnectionError, "no iSCSI session to " + target.iqn() + " at " + target.portal()));
        requireLoggedIn(session, target);
        return new Probe(false, paths(uri, session).orElse(null), Map.of());
    }

    /**
     * Logs in to the target, or adopts the session there is, and adds the URI's LUN to it. It shows
     * nothing more ({@link Probe#PLAIN}): the LUN's multipath paths are read by the next probe.
     */
    @Override
    public Probe establish(StorageUri uri) throws ConnectorException {
        IscsiScheme.Target target = IscsiScheme.target(uri);
        Optional<IscsiSessions.Session> existing = session(target);
        if (existing.isPresent()) {
            // A session iscsid is recovering (FAILED or FREE) is left to it: requireLoggedIn says "recovering".
            requireLoggedIn(existing.get(), target);
            scanLun(uri, existing.get(), false);
            log.info("key={} adopted the existing iSCSI session", uri.key());
            return Probe.PLAIN;
        }
        Reachability.tcp("iSCSI portal", target.host(), target.port(), timeout, VdsmError.iSCSILoginError);
        checkLoginAtTarget(uri, target);
        iscsiadm(node(target).arg(Word.OP_NEW), VdsmError.iSCSISetupError, "creating the node");
        try {
            iscsiadm(nodeUpdate(target, Word.NODE_STARTUP, Word.MANUAL), VdsmError.iSCSISetupError, "configuring the node");
            // The kernel then adds only the LUNs asked for (scanLun), not every LUN of the target.
            // open-iscsi before 2.0.874 has no such setting: its kernel then scans every LUN at login.
            Optional<CommandRunner.Result> manualScan = runner.runQuietly(
                    nodeUpdate(target, Word.NODE_SESSION_SCAN, Word.MANUAL), timeout);
            if (manualScan.isEmpty() || manualScan.get().exitCode() != 0) {
                log.info("key={} node.session.scan=manual not set ({}); the kernel scans every LUN at login", uri.key(),
                        manualScan.map(CommandRunner.Result::message).orElse("iscsiadm did not run"));
            }
            if (uri.username() != null) {
                iscsiadm(nodeUpdate(target, Word.AUTH_METHOD, Word.CHAP), VdsmError.iSCSISetupError, "configuring CHAP");
                iscsiadm(nodeUpdate(target, Word.AUTH_USERNAME, chapName(uri)), VdsmError.iSCSISetupError, "configuring CHAP");
                // The one secret on a command line: iscsiadm has no other way to take it.
                iscsiadm(nodeUpdate(target, Word.AUTH_PASSWORD, chapSecret(uri)), VdsmError.iSCSISetupError, "configuring CHAP");
            }
            CommandRunner.Result login = run(node(target).arg(Word.LOGIN), VdsmError.iSCSILoginError);
            // A session that exists already is what we wanted.
            if (login.exitCode() != 0 && login.exitCode() != SESSION_EXISTS) {
                throw new ConnectorException(login.exitCode() == AUTHENTICATION_FAILURE ? VdsmError.iSCSILoginAuthError
                        : VdsmError.iSCSILoginError, "iscsiadm login to " + target.iqn() + " at " + target.portal()
                                + " failed (exit " + login.exitCode() + "): " + login.message());
            }
        } catch (ConnectorException e) {
            // As VDSM does (docs/connectors.md, "iscsiadm"): a failed login leaves no half-configured node.
            runner.runQuietly(node(target).arg(Word.LOGOUT), timeout);
            runner.runQuietly(node(target).arg(Word.OP_DELETE), timeout);
            throw e;
        }
        Optional<IscsiSessions.Session> made = session(target);
        if (made.isPresent()) {
            scanLun(uri, made.get(), true);
        }
        log.info("key={} logged in to {} at {}", uri.key(), target.iqn(), target.portal());
        return Probe.PLAIN;
    }

    /**
     * Fails unless the session is logged in, as "recovering" while iscsid recovers it, so that
     * nobody logs it out meanwhile: FAILED while the kernel queues its I/O for up to recovery_tmo,
     * and FREE after that, when the kernel fails its I/O (which is what multipath wants, to use
     * another path) but iscsid goes on reconnecting it and logs it in again when its portal is back.
     */
    private static void requireLoggedIn(IscsiSessions.Session session, IscsiScheme.Target target) throws ConnectorException {
        if (IscsiSessions.LOGGED_IN.equals(session.state())) {
            return;
        }
        String which = "iSCSI session " + session.id() + " to " + target.iqn() + " at " + target.portal();
        String tmo = session.recoveryTmo() == null ? "its recovery_tmo" : "its recovery_tmo of " + session.recoveryTmo() + " s";
        if (IscsiSessions.FAILED.equals(session.state())) {
            throw ConnectorException.recovering(VdsmError.StorageServerConnectionError, which
                    + " lost its connection and iscsid is recovering it: left to iscsid (its I/O waits for up to " + tmo + ")");
        }
        throw ConnectorException.recovering(VdsmError.StorageServerConnectionError, which + " is " + session.state()
                + ": " + tmo + " has passed, so its I/O fails, and iscsid goes on reconnecting it: left to iscsid");
    }

    /**
     * Adds the URI's LUN to the session (node.session.scan=manual adds none by itself) by writing
     * "- - LUN" to its SCSI host's scan file; without a LUN, after a new login, rescans the session.
     */
    private void scanLun(StorageUri uri, IscsiSessions.Session session, boolean newLogin) {
        if (uri.lun() == null) {
            if (newLogin) {
                runner.runQuietly(HostCommands.iscsiSession(new SessionId(session.id()), Word.RESCAN), timeout);
            }
            return;
        }
        if (session.lunDevices().containsKey(uri.lun()) || session.scanFile() == null) {
            return;
        }
        try {
            Files.writeString(session.scanFile(), "- - " + uri.lun());
            log.info("key={} scanned session {} for LUN {}", uri.key(), session.id(), uri.lun());
        } catch (IOException e) {
            log.warn("key={} scanning session {} for LUN {} failed: {}", uri.key(), session.id(), uri.lun(), e.getMessage());
        }
    }

    /**
     * The LUN's multipath paths, where its block device is known and multipathd answers; empty
     * where it does not run (not installed, or not started: then it says so on exit 1).
     */
    private Optional<Health.Paths> paths(StorageUri uri, IscsiSessions.Session session) {
        Integer lun = uri.lun();
        if (lun == null && session.lunDevices().size() == 1) {
            lun = session.lunDevices().keySet().iterator().next();
        }
        String device = lun == null ? null : session.lunDevices().get(lun);
        if (device == null) {
            return Optional.empty();
        }
        return runner.runQuietly(MultipathPaths.command(), timeout)
                .filter(result -> result.exitCode() == 0)
                .flatMap(result -> MultipathPaths.ofDevice(device, result.stdout()));
    }

    private void logout(IscsiSessions.Session session) throws ConnectorException {
        CommandRunner.Result logout = run(HostCommands.iscsiSession(new SessionId(session.id()), Word.LOGOUT),
                VdsmError.iSCSILogoutError);
        if (logout.exitCode() != 0 && logout.exitCode() != NO_SUCH_SESSION) {
            throw new ConnectorException(VdsmError.iSCSILogoutError, "iscsiadm logout of session "
                    + session.id() + " failed (exit " + logout.exitCode() + "): " + logout.message());
        }
    }

    @Override
    public void disconnect(StorageUri uri) throws ConnectorException {
        IscsiScheme.Target target = IscsiScheme.target(uri);
        Optional<IscsiSessions.Session> session = session(target);
        if (session.isPresent()) {
            // Logging out ends every LUN of the session: only the last CID of the connection gets here.
            logout(session.get());
        }
        runner.runQuietly(node(target).arg(Word.OP_DELETE), timeout);
    }

    /** Logs in at the target with libiscsi, without touching the host's initiator. */
    private void checkLoginAtTarget(StorageUri uri, IscsiScheme.Target target) throws ConnectorException {
        if (initiatorName.isEmpty()) {
            log.debug("key={} this host's initiator name is not an iSCSI name; skipping the login check at the target", uri.key());
            return;
        }
        Command inq = HostCommands.iscsiInquiry(initiatorName.get(), target, uri.lun() == null ? 0 : uri.lun());
        if (uri.username() != null) {
            inq.env("LIBISCSI_CHAP_USERNAME", chapName(uri).text()).env("LIBISCSI_CHAP_PASSWORD", chapSecret(uri).text());
        }
        CommandRunner.Result result;
        try {
            result = runner.run(inq, timeout);
        } catch (CommandRunner.ToolMissing e) {
            log.debug("key={} {}; skipping the login check at the target", uri.key(), e.getMessage());
            return;
        } catch (CommandRunner.CannotStart e) {
            throw new ConnectorException(VdsmError.iSCSISetupError, e.getMessage());
        } catch (CommandRunner.TimedOut e) {
            throw new ConnectorException(VdsmError.iSCSILoginError, e.getMessage());
        }
        if (result.exitCode() == 0) {
            return;
        }
        String message = result.message();
        if (message.contains("Authentication failure") || message.contains("Authorization failure")) {
            throw new ConnectorException(VdsmError.iSCSILoginAuthError, "target " + target.iqn() + " at "
                    + target.portal() + " rejected the CHAP credentials");
        }
        if (message.contains("Target not found")) {
            throw new ConnectorException(VdsmError.iSCSILoginError, "portal " + target.portal() + " has no target " + target.iqn());
        }
        throw new ConnectorException(VdsmError.iSCSILoginError, "login at the target: " + inq + " failed (exit "
                + result.exitCode() + "): " + message);
    }

    /**
     * The host's session with the target: same portal (the host name resolved), tpgt and iface if
     * the URI names them. Addresses are compared in one spelling each: sysfs shows the portal as
     * iscsid was given it, which for IPv6 need not be the URI's RFC 5952 form.
     */
    private Optional<IscsiSessions.Session> session(IscsiScheme.Target target) {
        String address = Reachability.address(target.host());
        return sessions.list().stream()
                .filter(s -> s.target().equalsIgnoreCase(target.iqn()))
                .filter(s -> IpLiteral.canonical(s.address()).orElse(s.address()).equals(address)
                        || s.address().equals(target.host()))
                .filter(s -> s.port() == target.port())
                .filter(s -> target.tpgt() == null || target.tpgt().equals(s.tpgt()))
                .filter(s -> target.iface() == null || target.iface().equals(s.iface()))
                .findFirst();
    }

    private static Command node(IscsiScheme.Target target) {
        return HostCommands.iscsiNode(target);
    }

    private static Command nodeUpdate(IscsiScheme.Target target, Word name, io.tether.argv.Arg value) {
        return HostCommands.iscsiNodeUpdate(target, name, value);
    }

    private static ChapName chapName(StorageUri uri) {
        return new ChapName(uri.username());
    }

    private static ChapSecret chapSecret(StorageUri uri) {
        return new ChapSecret(uri.password() == null ? "" : uri.password());
    }

    private void iscsiadm(Command command, VdsmError error, String what) throws ConnectorException {
        CommandRunner.Result result = run(command, error);
        if (result.exitCode() != 0 && result.exitCode() != SESSION_EXISTS) {
            throw new ConnectorException(error, what + ": " + command + " failed (exit " + result.exitCode() + "): " + result.message());
        }
    }

    /** A missing iscsiadm is a setup error whatever the step; a hung one is the step's own error. */
    private CommandRunner.Result run(Command command, VdsmError onFailure) throws ConnectorException {
        return runner.runOrThrow(command, timeout, VdsmError.iSCSISetupError, onFailure);
    }

    /**
     * The host's initiator name from open-iscsi's file, or one made from the host name; empty when
     * the file names something that is no iSCSI name.
     */
    private static Optional<Iqn> initiatorName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/iscsi/initiatorname.iscsi"))) {
                if (line.startsWith("InitiatorName=")) {
                    return iqn(line.substring("InitiatorName=".length()).strip().toLowerCase(java.util.Locale.ROOT));
                }
            }
        } catch (IOException e) {
            // No open-iscsi configuration: use our own name for the login check.
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return iqn("iqn.2026-11.io.tether:" + host);
    }

    private static Optional<Iqn> iqn(String name) {
        try {
            return Optional.of(new Iqn(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
