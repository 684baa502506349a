package io.tether.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * The lines one logger of this JVM writes while it is open, as formatted messages: for a test that
 * reads what a worker in this JVM decided (a retry's planned delay, say) rather than timing it; or
 * every logger's warnings and errors ({@link #warnings()}).
 */
public final class LogLines implements AutoCloseable {
    private final Logger logger;
    private final Level least;
    private final boolean withLevel;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(least)) {
                lines.add(withLevel ? event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage()
                        : event.getFormattedMessage());
            }
        }
    };

    /** Starts collecting what the logger of {@code type} writes. */
    public LogLines(Class<?> type) {
        this((Logger) LoggerFactory.getLogger(type), Level.ALL, false, type.getSimpleName());
    }

    private LogLines(Logger logger, Level least, boolean withLevel, String name) {
        this.logger = logger;
        this.least = least;
        this.withLevel = withLevel;
        appender.setContext(logger.getLoggerContext());
        appender.setName("test-" + name + "-" + System.identityHashCode(this));
        appender.start();
        logger.addAppender(appender);
    }

    /**
     * Starts collecting every WARN and ERROR any logger of this JVM writes, as
     * {@code LEVEL logger - message}: for a test that a clean stop logs none.
     */
    public static LogLines warnings() {
        return new LogLines((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME), Level.WARN, true, "warnings");
    }

    /** The lines so far, in the order they were written. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
