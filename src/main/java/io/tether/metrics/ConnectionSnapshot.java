package io.tether.metrics;

import io.tether.connection.ConnectionState;
import io.tether.connection.Health;
import io.tether.connection.LastError;
import io.tether.uri.StorageType;
import java.time.Instant;

/**
 * A host connection as a durable change left it, told to the metrics so that a scrape reads it
 * without the worker's lock.
 *
 * @param since     when it entered {@code state}
 * @param health    its last graded health; null before its first grading
 * @param lastError why it last failed; null when its last observation was not a failure
 * @param cids      how many CIDs hold it
 */
public record ConnectionSnapshot(StorageType type, ConnectionState state, Instant since, Health health,
        LastError lastError, int cids) {
}
