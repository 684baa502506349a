package io.tether.connection;

import java.time.Instant;

/**
 * A connection the monitor is retrying: how many of its attempts failed in a row, and when it
 * tries again. Shown in the list for an operator's "retry 3, next at 10:42"; not recorded, and no
 * event of its own: it changes with every failed attempt, while the connection's state does not.
 *
 * @param failures      the attempts that failed in a row, 1 or more
 * @param nextAttemptAt when the monitor looks again
 */
public record Retry(int failures, Instant nextAttemptAt) {
}
