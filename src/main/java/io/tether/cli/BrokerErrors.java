package io.tether.cli;

import io.tether.amqp.Jms;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Why a broker could not be used, in the operator's words and with the next step to try: the
 * network library's own words ({@code finishConnect(..) failed with error(-111)}) name neither
 * the cause an operator knows nor what to do about it.
 */
final class BrokerErrors {
    /** What to check when nothing answers at the URL: the usual cause, and where the URL comes from. */
    static final String WHERE = "is the worker running? give its broker with --broker or TETHER_BROKER";

    /** The errno Netty's native transport reports for a refused connection (ECONNREFUSED, negated). */
    private static final Pattern REFUSED = Pattern.compile("(?i)connection refused|error\\(-111\\)");

    private BrokerErrors() {
    }

    /**
     * The URL as an operator may type it, checked before anything is tried: one without a scheme
     * ({@code 127.0.0.1:5672}) would otherwise be taken for a scheme of its own.
     */
    static void checkUrl(String url) {
        String u = url.strip().toLowerCase(Locale.ROOT);
        if (!u.contains("://") && !u.startsWith("failover:")) {
            throw new IllegalArgumentException("--broker " + Jms.shown(url) + " has no scheme: give amqp://" + Jms.shown(url.strip())
                    + " (amqps:// for TLS, failover:(...) for several brokers)");
        }
    }

    /** One line: what went wrong at {@code url}, and what to try. */
    static String describe(String url, JMSException e) {
        if (e instanceof JMSSecurityException) {
            return e.getMessage();
        }
        return "cannot reach the broker at " + Jms.shown(url) + ": " + cause(url, e);
    }

    private static String cause(String url, JMSException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof ConnectException || REFUSED.matcher(message).find()) {
                return "connection refused (" + WHERE + ")";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + message.replaceAll(":.*", "") + " (check the host name in --broker)";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to the host (check the host in --broker, and the firewall)";
            }
            if (t instanceof SSLException) {
                return "TLS failed: " + Errors.describe(t) + (url.strip().toLowerCase(Locale.ROOT).contains("amqps:")
                        ? " (is this port a TLS one? a plain port takes amqp://)" : "");
            }
        }
        String said = Errors.describe(e);
        if (said.startsWith("Provider scheme NOT recognized")) {
            return said + " (give amqp://, amqps:// or failover:(...))";
        }
        if (said.startsWith("no connection within")) {
            return said + " (" + WHERE + (url.strip().toLowerCase(Locale.ROOT).contains("amqps:")
                    ? "; a plain port takes amqp://, not amqps://" : "") + ")";
        }
        return said;
    }
}
