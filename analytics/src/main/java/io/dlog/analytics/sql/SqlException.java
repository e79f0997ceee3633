package io.dlog.analytics.sql;

/** A query that cannot run: a syntax or binding error, an unknown table, a statement that is not a query. */
public final class SqlException extends Exception {
    public SqlException(String message) {
        super(message);
    }

    public SqlException(String message, Throwable cause) {
        super(message, cause);
    }
}
