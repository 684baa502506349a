package io.tether.monitor;

import io.tether.connector.ConnectorException;
import java.time.Duration;

/**
 * What one connector call run by {@link Operations} came to, decided when it ended: its
 * {@code value} when it worked, else its {@code failure}; and how long it ran, both as a duration
 * (for the meters) and in milliseconds (for health), null when it never started (an earlier call on
 * the connection is stuck).
 *
 * @param worked whether the call returned without failing
 */
record CallOutcome<T>(boolean worked, T value, ConnectorException failure, Duration ranFor, Long millis) {
}
