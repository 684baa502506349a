package io.tether.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * How the worker writes its log ({@code --log-format}): {@code text}, one line per event as
 * logback.xml lays it out, or {@code json}, one JSON object per line for log shippers (Logback's
 * own {@link JsonEncoder}). In JSON the host id is {@code context.properties.host} and the CID and
 * connection key, where a line has them, are {@code mdc.cid} and {@code mdc.key}.
 */
public enum LogFormat {
    TEXT,
    JSON;

    /** The MDC field of the CID a line is about. */
    public static final String CID = "cid";
    /** The MDC field of the connection key a line is about. */
    public static final String KEY = "key";
    /** The logging context's property with the worker's host id. */
    public static final String HOST = "host";

    /** {@code text} or {@code json}; anything else is an {@link IllegalArgumentException} naming {@code option}. */
    public static LogFormat parse(String option, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(option + " " + value + ": give text or json");
        }
    }

    /**
     * Makes this process's log this format, for the worker of {@code hostId}: every appender of the
     * root logger that writes a stream gets the format's encoder. Text leaves logback.xml's as it is.
     */
    public void apply(String hostId) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        context.putProperty(HOST, hostId);
        if (this == TEXT) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> stream) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // The message as a reader sees it, without its pattern and arguments apart.
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.start();
                stream.stop();
                stream.setEncoder(json);
                stream.start();
            }
        }
    }
}
