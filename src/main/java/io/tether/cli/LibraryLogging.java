package io.tether.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns logging off for the engine-side commands: each says what went wrong in one line of its own,
 * and a library's log line about the same failure (Qpid JMS's "Failed to connect", with its stack
 * trace) would only repeat it at length. TETHER_LOG_LEVEL, which sets the worker's level, keeps the
 * logging on, to see what the libraries say when that one line is not enough.
 */
final class LibraryLogging {
    private LibraryLogging() {
    }

    static void off() {
        if (System.getenv("TETHER_LOG_LEVEL") == null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            // The configuration gives some libraries levels of their own: drop it, then silence the root.
            context.reset();
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
        }
    }
}
