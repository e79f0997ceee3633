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
 */
public record AppendResult(AppendError error, String errorMessage, long baseOffset, long lastOffset,
                           long logAppendTime, long logStartOffset) {

    public static AppendResult success(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) {
        return new AppendResult(null, null, baseOffset, lastOffset, logAppendTime, logStartOffset);
    }

    public static AppendResult failure(AppendError error, String message, long logStartOffset) {
        return new AppendResult(error, message, -1L, -1L, -1L, logStartOffset);
    }

    public boolean succeeded() {
        return error == null;
    }
}
