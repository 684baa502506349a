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
    /** SLF4J's own provider that drops every line, chosen by name through {@value #PROPERTY}. */
    static final String SILENT_PROVIDER = "org.slf4j.helpers.NOP_FallbackServiceProvider";
    static final String PROPERTY = "slf4j.provider";

    private LibraryLogging() {
    }

    /**
     * Before anything logs: a short engine-side command ({@code args[0]} other than the
     * long-running {@code worker} and {@code console}) gets no logging provider at all. Logback reading its configuration is a
     * noticeable part of a short command's start-up, and its lines would only be dropped by
     * {@link #off()} anyway; a library that logs before {@code off()} runs is silenced too.
     */
    static void forCommand(String[] args) {
        boolean longRunning = args.length == 0 || args[0].equals("worker") || args[0].equals("console");
        if (!longRunning && System.getenv("TETHER_LOG_LEVEL") == null && System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, SILENT_PROVIDER);
            // Else SLF4J says on stderr which provider it loads.
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
    }

    static void off() {
        if (System.getenv("TETHER_LOG_LEVEL") == null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            // The configuration gives some libraries levels of their own: drop it, then silence the root.
            context.reset();
            context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
        }
    }
}
