package io.tether.store;

/**
 * The database could not read or make a change durable (disk full, file locked, corrupt). The
 * message names the operation, never a value, so no credential can ride along.
 */
public final class StoreException extends RuntimeException {
    public StoreException(String operation, Throwable cause) {
        super(operation + " failed: " + describe(cause), cause);
    }

    private static String describe(Throwable cause) {
        if (cause instanceof java.sql.SQLException sql) {
            return "SQL state " + sql.getSQLState() + ", error " + sql.getErrorCode();
        }
        return cause.getClass().getSimpleName();
    }
}
