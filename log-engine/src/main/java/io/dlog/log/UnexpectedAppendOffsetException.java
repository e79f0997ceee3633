package io.dlog.log;

/**
 * A follower append whose batches do not continue the local log: the first base offset is not the log
 * end offset, or the batches are not contiguous (Kafka's UnexpectedAppendOffsetException). Nothing was
 * written; the replication layer refetches from {@link #expectedOffset} or truncates first.
 */
public final class UnexpectedAppendOffsetException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long expectedOffset;
    private final long actualOffset;

    public UnexpectedAppendOffsetException(String message, long expectedOffset, long actualOffset) {
        super(message);
        this.expectedOffset = expectedOffset;
        this.actualOffset = actualOffset;
    }

    /** The offset the next batch had to start at. */
    public long expectedOffset() {
        return expectedOffset;
    }

    /** The base offset found instead. */
    public long actualOffset() {
        return actualOffset;
    }
}
