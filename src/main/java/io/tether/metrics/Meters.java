package io.tether.metrics;

import io.tether.api.Outcome;
import io.tether.uri.ConnectionKey;
import io.tether.uri.StorageType;

/**
 * What each part of the worker records, each through the narrow interface it is given. Every
 * method is called on the part's own thread at the moment of the fact, must not block, and does no
 * more than a counter increment, a histogram observation or a write to a concurrent map:
 * {@link TetherMetrics} implements them all, and {@code NONE} (the parts' default, for a worker
 * without {@code --http-address} and for tests that build the parts themselves) records nothing.
 */
public final class Meters {
    private Meters() {
    }

    /** The request path: each call of a request message and how it ended. */
    public interface Requests {
        Requests NONE = new Requests() {
        };

        /** One call of a request ended with {@code outcome}; {@code method} as the client sent it. */
        default void handled(String method, Outcome outcome) {
        }

        /** A call of {@code method} was answered {@code nanos} after its message was received. */
        default void answered(String method, long nanos) {
        }
    }

    /**
     * The worker's state, told after each change is durable (a batch's commit, an observation), in
     * the order of the changes: what a scrape shows is always a committed state.
     */
    public interface HostState {
        HostState NONE = new HostState() {
        };

        /** The connection {@code key} is now as {@code seen} says; null when the worker no longer tracks it. */
        default void connection(ConnectionKey key, ConnectionSnapshot seen) {
        }

        /** The number of managed CIDs, and of those the stranded ones (which hold no connection). */
        default void cids(int managed, int stranded) {
        }

        /** Events up to {@code seq} are in the outbox. */
        default void eventsWritten(long seq) {
        }
    }

    /** The monitor: probes and connects. */
    public interface Monitor {
        Monitor NONE = new Monitor() {
        };

        /** A probe ran for {@code nanos} (to its timeout, if it hung). */
        default void probed(StorageType type, long nanos) {
        }

        /**
         * A probe failed, and the monitor recorded VDSM error number {@code code} as the
         * connection's lastError (the probe's, or that of the connect tried after it).
         */
        default void probeFailed(StorageType type, int code) {
        }

        /**
         * A connect was tried, {@code ok} if it worked; also {@code ok} for a connection not up
         * that its probe found up (already mounted, or brought back by the host).
         */
        default void connectTried(StorageType type, boolean ok) {
        }
    }

    /** The event publisher. */
    public interface Events {
        Events NONE = new Events() {
        };

        /** An event of this {@code change} (MANAGED, UNMANAGED, STATE) reached the broker. */
        default void published(String change) {
        }

        /** Every event up to {@code seq} has reached the broker. */
        default void publishedUpTo(long seq) {
        }
    }

    /** The store. */
    public interface Commits {
        Commits NONE = new Commits() {
        };

        /** A transaction's commit took {@code nanos}. */
        default void committed(long nanos) {
        }
    }
}
