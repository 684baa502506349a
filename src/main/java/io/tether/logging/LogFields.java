package io.tether.logging;

import org.slf4j.MDC;

/**
 * The CID and connection key of the log lines written while it is open, as MDC fields
 * ({@link LogFormat#CID}, {@link LogFormat#KEY}): a JSON log carries them as fields, and the text
 * log keeps saying {@code cid=} and {@code key=} in its messages. Opened around the lines of one
 * event, on the thread that writes them.
 */
public final class LogFields implements AutoCloseable {
    private final boolean cid;
    private final boolean key;

    private LogFields(String cid, Object key) {
        this.cid = cid != null;
        this.key = key != null;
        if (this.cid) {
            MDC.put(LogFormat.CID, cid);
        }
        if (this.key) {
            MDC.put(LogFormat.KEY, key.toString());
        }
    }

    /** Lines about {@code cid} on connection {@code key}; either may be null. */
    public static LogFields of(String cid, Object key) {
        return new LogFields(cid, key);
    }

    /** Lines about connection {@code key}. */
    public static LogFields key(Object key) {
        return new LogFields(null, key);
    }

    @Override
    public void close() {
        if (cid) {
            MDC.remove(LogFormat.CID);
        }
        if (key) {
            MDC.remove(LogFormat.KEY);
        }
    }
}
