package io.dlog.log;

/**
 * Outcome of one append (all batches of one produce request for one partition).
 *
 * @param error          null on success
 * @param errorMessage   one line for the client, or null
 * @param baseOffset     first offset assigned (or, for a duplicate, the original one); -1 on error
 * @param lastOffset     last offset assigned; -1 on error
 * @param logAppendTime  broker time stamped into the batches when the topic uses LogAppendTime, else -1
 * @param logStartOffset the partition's log start offset after the append
 * @param writerNanos    how long the partition's writer thread worked on this append (its checks and the
 *                       write, not the wait for an fsync); 0 when it never reached the writer. The caller
 *                       charges it to whoever asked (client request quotas)
 */
public record AppendResult(AppendError error, String errorMessage, long baseOffset, long lastOffset,
                           long logAppendTime, long logStartOffset, long writerNanos) {

    public static AppendResult success(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) {
        return new AppendResult(null, null, baseOffset, lastOffset, logAppendTime, logStartOffset, 0L);
    }

    public static AppendResult failure(AppendError error, String message, long logStartOffset) {
        return new AppendResult(error, message, -1L, -1L, -1L, logStartOffset, 0L);
    }

    /** This result, with the writer thread's time on it. */
    public AppendResult withWriterNanos(long nanos) {
        return new AppendResult(error, errorMessage, baseOffset, lastOffset, logAppendTime, logStartOffset, nanos);
    }

    public boolean succeeded() {
        return error == null;
    }
}
