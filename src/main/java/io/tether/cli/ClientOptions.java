package io.tether.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.tether.amqp.Addresses;
import io.tether.amqp.BrokerCredentials;
import io.tether.amqp.Jms;
import io.tether.api.JsonRpc;
import io.tether.broker.EmbeddedBroker;
import io.tether.client.HostResult;
import io.tether.client.RpcException;
import io.tether.client.TetherClient;
import io.tether.files.Owner;
import io.tether.files.TrustedPaths;
import io.tether.files.UntrustedPathException;
import io.tether.sealing.Sealer;
import io.tether.worker.Worker;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Options every engine-side command shares, and the one way they log in and call a worker. */
final class ClientOptions {
    /** The broker URL when neither the command line nor the machine names one: an embedded broker's default port. */
    static final String DEFAULT_BROKER = "amqp://127.0.0.1:5672";

    @Option(names = "--broker", defaultValue = "${env:TETHER_BROKER}",
            description = "Broker URL (default: env TETHER_BROKER, else the embedded broker of the worker on this machine,"
                    + " as its data dir (--data-dir) says, else " + DEFAULT_BROKER + ").")
    String broker;

    @Option(names = "--user", defaultValue = "${env:TETHER_USER}",
            description = "Broker user (env TETHER_USER). Without it, the login of the worker on this machine is used (--data-dir).")
    String user;

    @Option(names = "--password-file", defaultValue = "${env:TETHER_PASSWORD_FILE}", paramLabel = "FILE",
            description = "File whose first line is the password of --user (env TETHER_PASSWORD_FILE).")
    Path passwordFile;

    @Option(names = "--password", defaultValue = "${env:TETHER_PASSWORD}",
            description = "Password of --user (env TETHER_PASSWORD; prefer --password-file: arguments are visible in ps).")
    String password;

    static {
        DataDirs.publish();
    }

    @Option(names = "--data-dir", defaultValue = DataDirs.CLIENT_DEFAULT, paramLabel = "DIR",
            description = "Data dir of the worker on this machine, whose " + EmbeddedBroker.ENGINE_LOGIN
                    + " file holds the engines' login to its embedded broker; used only if root or this user owns it"
                    + " and nobody else may change it (env TETHER_DATA_DIR; default: ${DEFAULT-VALUE}, the data-dir of"
                    + " /etc/tether/worker.conf, or /var/lib/tether for root, ./tether-data for other users).")
    Path dataDir;

    // An initial value, not a defaultValue: picocli would apply that after the command line, over
    // what a command's --timeout (OneRequestCommand) set.
    @Option(names = "--request-timeout", paramLabel = "SECONDS", converter = Ranges.Seconds.class,
            description = "Seconds to wait for the broker and for each answer of a host, 0.001 to 86400 (default: 10).")
    Duration timeout = Duration.ofSeconds(10);

    /** The broker to use: --broker (or TETHER_BROKER), else the local worker's, else {@link #DEFAULT_BROKER}. */
    String broker() {
        if (broker != null && !broker.isBlank()) {
            return broker;
        }
        return localWorker().map(LocalWorker::brokerUrl).orElse(DEFAULT_BROKER);
    }

    private static final Pattern URL_USER = Pattern.compile("(?i)[?&]jms\\.username=([^&),]*)");

    /** The user a broker URL names itself ({@code jms.username}), or null when it names none. */
    static String urlUser(String url) {
        Matcher m = URL_USER.matcher(url);
        return m.find() ? m.group(1) : null;
    }

    /** The address the worker on this machine left in its data dir, if it did and this user may read it. */
    Optional<LocalWorker> localWorker() {
        return LocalWorker.read(dataDir);
    }

    /**
     * The login to use: --user with its password, else none when the broker URL carries its own
     * ({@code jms.username}), else the engines' login of the local worker's embedded broker, else
     * none (a broker that requires one says so).
     */
    BrokerCredentials login() {
        if (user != null) {
            if (passwordFile != null) {
                try {
                    return new BrokerCredentials(user, BrokerCredentials.readPasswordFile(passwordFile));
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read the password file " + passwordFile + ": " + e.getMessage());
                }
            }
            return new BrokerCredentials(user, password == null ? "" : password);
        }
        if (broker != null && urlUser(broker) != null) {
            // The URL's own login: the local worker's must not replace what the user typed.
            return null;
        }
        Path file = localLogin();
        try {
            return BrokerCredentials.read(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("cannot read " + file + ": permission denied (run as the worker's user,"
                    + " or give --user and --password-file)");
        } catch (UntrustedPathException e) {
            throw untrusted(e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** A file of the local worker's that someone else could have planted: not used, and said so. */
    private IllegalArgumentException untrusted(UntrustedPathException e) {
        return new IllegalArgumentException(e.getMessage() + "; not using it (give --data-dir of the worker on this"
                + " machine, or --user and --password-file)");
    }

    /**
     * Connects for talking to {@code host} (null: every host); a typo in --host is reported before
     * any broker is tried. With the local worker's login, the login is read again at a reconnection
     * (the worker makes a new one at each start), and {@code host}'s sealing key is the one in the
     * worker's data dir, not one fetched through the broker: whatever answers on the port while the
     * worker is down cannot hand out a key of its own.
     */
    TetherClient connect(String host) throws JMSException, InterruptedException {
        if (host != null) {
            Addresses.checkHostId(host);
        }
        String broker = broker();
        BrokerErrors.checkUrl(broker);
        LibraryLogging.off();
        BrokerCredentials login = login();
        boolean local = login != null && user == null;
        TetherClient client;
        try {
            client = connectWithin(timeout, login == null ? null
                    : local ? BrokerCredentials.fromFile(localLogin()) : () -> login);
        } catch (JMSSecurityException e) {
            String named = login != null ? login.user() : urlUser(broker);
            throw new JMSSecurityException("the broker at " + Jms.shown(broker) + " refused " + (named == null
                    ? "a client without a login (no " + localLogin()
                            + "; give --user and --password-file, or --data-dir of the worker on this machine)"
                    : "the login of user " + named) + ": " + e.getMessage(), e.getErrorCode());
        }
        Path publicKey = dataDir.resolve(Worker.SEALING_PUBLIC_FILE);
        // Without the file (an older worker, or one that never started) the key comes from the
        // host, as for a remote one. The file is read only when a URI is sealed: only a manage
        // with a secret needs the key, and reading it loads the JOSE library.
        if (local && host != null && Files.exists(publicKey)) {
            client.pinSealingKey(host, () -> localSealingKey(publicKey));
        }
        return client;
    }

    /** The sealing key of the worker on this machine, from {@code publicKey} in its data dir. */
    private Sealer localSealingKey(Path publicKey) {
        try {
            byte[] jwk = TrustedPaths.read(publicKey, Owner.ROOT_OR_SELF, "sealing key");
            return Sealer.fromJwk(JsonRpc.MAPPER.readValue(jwk, MAP));
        } catch (UntrustedPathException e) {
            throw untrusted(e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the sealing key in " + publicKey + ": " + e.getMessage());
        }
    }

    /**
     * Connects to --broker, giving up after {@code limit}: with a failover: URL, Qpid JMS would try
     * its brokers without end. The attempt runs on a daemon thread of its own, so one given up on
     * does not keep the command from ending.
     */
    private TetherClient connectWithin(Duration limit, Supplier<BrokerCredentials> login)
            throws JMSException, InterruptedException {
        FutureTask<TetherClient> attempt = new FutureTask<>(() -> TetherClient.connect(broker(), login));
        Thread thread = new Thread(attempt, "tether-connect");
        thread.setDaemon(true);
        thread.start();
        try {
            return attempt.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            attempt.cancel(true);
            throw new JMSException("no connection within " + Ranges.Seconds.text(limit) + " s (--request-timeout)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JMSException refused) {
                throw refused;
            }
            // Qpid JMS refuses a URL it cannot parse (amqp://, a space in it) with an unchecked exception.
            JMSException unusable = new JMSException(Errors.describe(e.getCause()));
            unusable.initCause(e.getCause());
            throw unusable;
        }
    }

    /** The engines' login file of the worker on this machine. */
    private Path localLogin() {
        return dataDir.resolve(EmbeddedBroker.ENGINE_LOGIN);
    }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    /** One line saying why the broker could not be used, and what to try. */
    String brokerError(JMSException e) {
        return BrokerErrors.describe(broker(), e);
    }

    /** One use of the client library, such as {@link TetherClient#manage}, which seals secrets. */
    @FunctionalInterface
    interface ClientCall<T> {
        T run(TetherClient client, Duration timeout) throws JMSException, RpcException, TimeoutException, InterruptedException;
    }

    /** Runs {@code call} with a client for {@code host}, printing a one-line error and returning null on an expected failure. */
    <T> T run(String host, ClientCall<T> call) {
        return run(host, timeout, call, null, false);
    }

    /**
     * Runs {@code call}, a change (manage, unmanage), as {@link #run(String, ClientCall)} does; if
     * the host does not answer, also says that the change may still be made, and how to check.
     */
    <T> T runChange(String host, ClientCall<T> call) {
        return run(host, timeout, call, null, true);
    }

    /**
     * Runs {@code call} with a client for {@code host} and {@code timeout}, printing a one-line
     * error on an expected failure and returning {@code onTimeout} if the host did not answer in
     * time, null otherwise.
     */
    <T> T run(String host, Duration timeout, ClientCall<T> call, T onTimeout) {
        return run(host, timeout, call, onTimeout, false);
    }

    private <T> T run(String host, Duration timeout, ClientCall<T> call, T onTimeout, boolean change) {
        try (TetherClient client = connect(host)) {
            return call.run(client, timeout);
        } catch (RpcException e) {
            OneLine.err("error " + e.code() + " " + e.name() + ": " + OneLine.joined(e.getMessage()));
        } catch (TimeoutException e) {
            OneLine.err(e.getMessage());
            if (change) {
                OneLine.err(mayStillApply(Set.of(host)));
            }
            return onTimeout;
        } catch (JMSException e) {
            OneLine.err(brokerError(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            // The host answered with something unusable (e.g. a sealing key that is not one).
            OneLine.err(Errors.describe(e));
        }
        return null;
    }

    /** One use of the client library on many hosts at once, such as {@link TetherClient#manage(Set, String, String, Duration)}. */
    @FunctionalInterface
    interface ManyCall<T> {
        Map<String, HostResult<T>> run(TetherClient client, Set<String> hosts, Duration timeout)
                throws JMSException, InterruptedException;
    }

    /**
     * Runs {@code call} on {@code hosts} with one client (every request in flight at once), and
     * returns each host's result; prints a one-line error and returns null when the broker cannot
     * be used. The local worker's sealing key is used only for the local worker's host, that is
     * when one host is named.
     */
    <T> Map<String, HostResult<T>> runOnHosts(Set<String> hosts, Duration timeout, ManyCall<T> call) {
        try (TetherClient client = connect(hosts.size() == 1 ? hosts.iterator().next() : null)) {
            return call.run(client, hosts, timeout);
        } catch (JMSException e) {
            OneLine.err(brokerError(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** One host's failure in a line: the worker's error, no answer, or what else went wrong. */
    String describe(Exception failure) {
        if (failure instanceof RpcException e) {
            return "error " + e.code() + " " + e.name() + ": " + OneLine.joined(e.getMessage());
        }
        if (failure instanceof TimeoutException) {
            return "no answer: " + failure.getMessage();
        }
        if (failure instanceof JMSException e) {
            return brokerError(e);
        }
        return Errors.describe(failure);
    }

    /**
     * Prints one line per failed host on stderr after the hosts' own lines, and returns the exit
     * status: 0 if every host succeeded, 1 otherwise.
     */
    static int summary(String command, Map<String, ? extends HostResult<?>> results) {
        java.util.List<String> failed = results.values().stream().filter(r -> !r.ok()).map(HostResult::hostId).toList();
        if (failed.isEmpty()) {
            return 0;
        }
        OneLine.err("tether " + command + ": " + failed.size() + " of " + results.size() + " hosts failed: "
                + String.join(",", failed));
        return 1;
    }

    /** {@link #summary}, for a change (manage, unmanage): plus what a host that did not answer may still do. */
    static int changeSummary(String command, Map<String, ? extends HostResult<?>> results) {
        int exit = summary(command, results);
        Set<String> unanswered = new java.util.LinkedHashSet<>();
        results.values().stream().filter(HostResult::noAnswer).forEach(r -> unanswered.add(r.hostId()));
        if (!unanswered.isEmpty()) {
            OneLine.err("tether " + command + ": " + mayStillApply(unanswered));
        }
        return exit;
    }

    /**
     * What an unanswered change may still do: its request waits in the host's queue, and a worker
     * that comes back (or was only slow) applies it, as a request to an API server that timed out may
     * still be applied.
     */
    static String mayStillApply(Set<String> hosts) {
        return "a request that got no answer may still be applied when the host gets it: check with 'tether list --host "
                + String.join(",", hosts) + "'";
    }
}
