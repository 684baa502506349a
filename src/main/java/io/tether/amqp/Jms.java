package io.tether.amqp;

import io.tether.retry.RetryPolicy;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.qpid.jms.JmsConnectionExtensions;
import org.apache.qpid.jms.JmsConnectionFactory;

/** Opens Qpid JMS connections the way every Tether part wants them. */
public final class Jms {
    private Jms() {
    }

    /**
     * Connects to {@code url} (an {@code amqp://} or {@code failover:(...)} URL). With
     * {@code rideOutRestarts} a plain URL is wrapped in {@code failover:}, so a long-running process
     * (the worker) waits out a broker restart instead of failing; a short-lived client wants the
     * error at once instead.
     */
    public static Connection connect(String url, String user, String password, boolean rideOutRestarts)
            throws JMSException {
        BrokerCredentials fixed = user == null ? null : new BrokerCredentials(user, password == null ? "" : password);
        return connect(url, fixed == null ? null : () -> fixed, rideOutRestarts);
    }

    /**
     * Like {@link #connect(String, String, String, boolean)}, with the login asked of {@code login}
     * at every (re)connection, so a client rides out a restart that changed it. With a null
     * {@code login}, only the URL's own {@code jms.username}/{@code jms.password}, if any. A
     * failover URL keeps to the brokers it names ({@link #brokersAsGiven}).
     */
    public static Connection connect(String url, Supplier<BrokerCredentials> login, boolean rideOutRestarts)
            throws JMSException {
        JmsConnectionFactory factory = new JmsConnectionFactory(brokersAsGiven(rideOutRestarts ? withFailover(url) : url));
        if (login != null) {
            factory.setExtension(JmsConnectionExtensions.USERNAME_OVERRIDE.toString(), (connection, uri) -> login.get().user());
            factory.setExtension(JmsConnectionExtensions.PASSWORD_OVERRIDE.toString(), (connection, uri) -> login.get().password());
        }
        factory.setCloseLinksThatFailOnReconnect(false);
        // Receives look only at what the prefetch buffer already holds. Otherwise an empty buffer
        // makes Qpid JMS "drain" the link and wait for the broker's answer, and a drain answer that
        // never comes (seen with Artemis under load) would stall the request loop for good.
        factory.setReceiveLocalOnly(true);
        factory.setReceiveNoWaitLocalOnly(true);
        Connection connection = factory.createConnection();
        return connection;
    }

    /**
     * How long a loop waits before it retries what the broker refused, after so many failures in a
     * row: a quarter of a second at first, so a broker that is back at once is used soon, doubling
     * to five seconds, so one that stays away is not hammered, spread so that the hosts of a fleet
     * do not all retry in the same instant.
     */
    public static final RetryPolicy BROKER_RETRY = new RetryPolicy(Duration.ofMillis(250), Duration.ofSeconds(5), 2.0, 0.2);

    /**
     * Waits {@code policy}'s delay after the {@code failures}-th failure in a row (1 for the first)
     * before a loop retries; false when the thread was interrupted meanwhile (it is being stopped),
     * with its interrupt flag set again.
     */
    public static boolean pauseBeforeRetry(RetryPolicy policy, int failures) {
        try {
            Thread.sleep(policy.delay(failures).toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final Pattern PASSWORD_OPTION =
            Pattern.compile("(?i)([?&](?:jms\\.)?password=)[^&]*");
    /** Inside {@code failover:(...)} a nested URL's options also end at the comma or the parenthesis. */
    private static final Pattern NESTED_PASSWORD_OPTION =
            Pattern.compile("(?i)([?&](?:jms\\.)?password=)[^&),]*");

    /**
     * {@code url} as a message or a log may show it: the value of any {@code jms.password} (or
     * {@code password}) option hidden, since an operator may give the login in the URL itself.
     */
    public static String shown(String url) {
        if (url == null) {
            return null;
        }
        boolean failover = url.regionMatches(true, 0, "failover:", 0, "failover:".length());
        return (failover ? NESTED_PASSWORD_OPTION : PASSWORD_OPTION).matcher(url).replaceAll("$1(hidden)");
    }

    /** Qpid JMS's option for what to do with the brokers a broker names when a connection opens. */
    static final String SERVER_LIST_ACTION = "failover.amqpOpenServerListAction";

    /**
     * A {@code failover:(...)} URL that keeps to the brokers it names: Qpid JMS otherwise replaces
     * its list with the one the broker sends when the connection opens, which for an Artemis pair
     * is the cluster connectors (core protocol only, where no AMQP client gets in). An option the
     * URL sets itself is kept; any other URL is returned as it is.
     */
    static String brokersAsGiven(String url) {
        int close = url.lastIndexOf(')');
        if (!url.startsWith("failover:(") || close < 0 || url.contains(SERVER_LIST_ACTION)) {
            return url;
        }
        String options = url.substring(close + 1);
        String separator = !options.contains("?") ? "?" : options.endsWith("?") || options.endsWith("&") ? "" : "&";
        return url + separator + SERVER_LIST_ACTION + "=IGNORE";
    }

    static String withFailover(String url) {
        if (url.startsWith("failover:")) {
            return url;
        }
        // Qpid JMS's own reconnect schedule (it keeps to it inside the connection, below any Tether
        // retry loop): forever, from 100 ms, doubling up to 2 s, so a restarted broker is found soon.
        return "failover:(" + url + ")?failover.maxReconnectAttempts=-1&failover.initialReconnectDelay=100"
                + "&failover.maxReconnectDelay=2000&failover.useReconnectBackOff=true";
    }
}
