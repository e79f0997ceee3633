package io.dlog.analytics.sql;

/**
 * A query that cannot run: a syntax or binding error, an unknown table, a statement that is not a query, or a
 * topic the caller may not read ({@link #unauthorized()}).
 */
public final class SqlException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean unauthorized;

    public SqlException(String message) {
        this(message, false);
    }

    public SqlException(String message, boolean unauthorized) {
        super(message);
        this.unauthorized = unauthorized;
    }

    /** Whether the query names a topic the caller may not read. */
    public boolean unauthorized() {
        return unauthorized;
    }

    public SqlException(String message, Throwable cause) {
        super(message, cause);
        this.unauthorized = false;
    }
}
