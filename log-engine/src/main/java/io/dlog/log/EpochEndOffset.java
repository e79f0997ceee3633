package io.dlog.log;

/**
 * Answer to OffsetForLeaderEpoch: the largest epoch &lt;= the one asked for, and the offset where it ended
 * (the start of the next epoch, or the log end offset for the current one). (-1, -1) when unknown.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
