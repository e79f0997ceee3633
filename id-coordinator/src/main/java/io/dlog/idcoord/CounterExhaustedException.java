package io.dlog.idcoord;

import java.io.IOException;

/**
 * The counter (or the ID space built on it) cannot go any higher: the file reached the
 * filesystem's maximum file size (16 TiB minus one block on ext4 with 4 KiB blocks), or a
 * Snowflake layout's timestamp bits are used up. Permanent: retrying fails the same way. The
 * counter stays consistent; every value handed out before remains unique.
 */
public final class CounterExhaustedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what ran out and where */
    public CounterExhaustedException(String message) {
        super(message);
    }

    CounterExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
