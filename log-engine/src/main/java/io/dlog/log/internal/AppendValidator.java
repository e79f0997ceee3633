package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.LogConfig;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The stateless half of append validation: everything that needs only the bytes, the topic config and
 * the time (structure, magic, CRC32C, counts, sizes, timestamps, null keys). Producer sequence and epoch
 * checks need partition state and run on the writer ({@link ProducerStateManager}).
 *
 * <p>Timestamps are checked on the batch header only (max timestamp against
 * {@code timestampAfterMaxMs}, base timestamp against {@code timestampBeforeMaxMs}): record timestamps
 * lie between the two for every well-formed producer, and this avoids decompressing. Batches with
 * no timestamp (-1) are not checked, as in Kafka.
 *
 * <p>Stateless; thread-safe. Runs on the caller's thread so bad requests fail without queueing.
 */
final class AppendValidator {

    /** The batch start positions of a valid request, or why it is invalid. */
    record Result(AppendError error, String message, int[] positions) {
        static Result fail(AppendError error, String message) {
            return new Result(error, message, null);
        }

        boolean ok() {
            return error == null;
        }
    }

    private AppendValidator() {
    }

    static Result validate(ByteBuffer buf, LogConfig config, long now) {
        return validate(buf, config, now, false);
    }

    /**
     * A follower's append: only what the bytes themselves must satisfy (length, magic, CRC32C, record
     * count, codec, a marker's layout). The leader already applied the topic's rules, and a topic change
     * since (max.message.bytes, timestamps, cleanup.policy) must not wedge replication: Kafka's follower
     * append skips them too. No total-size limit: the follower splits a large append across segments.
     */
    static Result validateReplicated(ByteBuffer buf, LogConfig config) {
        return validate(buf, config, 0L, true);
    }

    private static Result validate(ByteBuffer buf, LogConfig config, long now, boolean replicated) {
        int start = buf.position();
        int end = buf.limit();
        if (end - start <= 0) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "no record batches");
        }
        if (!replicated && end - start > config.segmentBytes()) {
            return Result.fail(AppendError.RECORD_LIST_TOO_LARGE, "append of " + (end - start)
                    + " bytes exceeds segment.bytes " + config.segmentBytes());
        }
        int[] positions = new int[8];
        int n = 0;
        int at = start;
        while (at < end) {
            Result r = validateBatch(buf, at, end, config, now, replicated);
            if (r != null) {
                return r;
            }
            if (n == positions.length) {
                positions = Arrays.copyOf(positions, n * 2);
            }
            positions[n++] = at;
            at += BatchFormat.totalSize(buf, at);
        }
        return new Result(null, null, Arrays.copyOf(positions, n));
    }

    /** Null when the batch at {@code at} is valid. */
    private static Result validateBatch(ByteBuffer buf, int at, int end, LogConfig config, long now,
                                        boolean replicated) {
        if (end - at < BatchFormat.HEADER_SIZE) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "truncated batch header at " + at);
        }
        long size = (long) buf.getInt(at + BatchFormat.LENGTH) + BatchFormat.LOG_OVERHEAD;
        if (size < BatchFormat.HEADER_SIZE || size > end - at) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "batch length " + size + " inconsistent with request");
        }
        int total = (int) size;
        if (BatchFormat.magic(buf, at) != 2) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "unsupported magic " + BatchFormat.magic(buf, at));
        }
        if (!replicated && total > config.maxMessageBytes()) {
            return Result.fail(AppendError.MESSAGE_TOO_LARGE, "batch of " + total
                    + " bytes exceeds max.message.bytes " + config.maxMessageBytes());
        }
        if (BatchFormat.storedCrc(buf, at) != BatchFormat.computeCrc(buf, at, total)) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "CRC32C mismatch");
        }
        int count = BatchFormat.recordCount(buf, at);
        // A leader's cleaned batch keeps its offset span with fewer records, or none (Kafka keeps a
        // producer's last batch empty); the exact count is a rule for client batches only, as in Kafka.
        boolean countFits = replicated ? count >= 0 && count <= BatchFormat.lastOffsetDelta(buf, at) + 1L
                : count > 0 && count - 1 == BatchFormat.lastOffsetDelta(buf, at);
        if (!countFits || BatchFormat.lastOffsetDelta(buf, at) < 0) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "record count " + count
                    + " disagrees with last offset delta " + BatchFormat.lastOffsetDelta(buf, at));
        }
        if (BatchFormat.compression(buf, at) > 4) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "unknown compression codec");
        }
        if (replicated) {
            return checkReplicatedMarker(buf, at, total);
        }
        Result ts = config.logAppendTime() ? null : checkTimestamps(buf, at, config, now);
        if (ts != null) {
            return ts;
        }
        return config.compact() ? checkKeys(buf, at, total) : null;
    }

    /** A leader's control batch must carry a readable marker: producer state replays it. */
    private static Result checkReplicatedMarker(ByteBuffer buf, int at, int total) {
        if (!BatchFormat.isControl(buf, at) || BatchFormat.producerId(buf, at) < 0) {
            return null;
        }
        try {
            BatchFormat.marker(buf, at, total);
            return null;
        } catch (IllegalArgumentException e) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "bad transaction marker: " + e.getMessage());
        }
    }

    private static Result checkTimestamps(ByteBuffer buf, int at, LogConfig config, long now) {
        long max = BatchFormat.maxTimestamp(buf, at);
        long base = BatchFormat.baseTimestamp(buf, at);
        long after = config.timestampAfterMaxMs();
        long upper = after > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + after;
        if (max != -1 && max > upper) {
            return Result.fail(AppendError.INVALID_TIMESTAMP, "timestamp " + max
                    + " is more than message.timestamp.after.max.ms in the future");
        }
        if (base != -1 && base < now - config.timestampBeforeMaxMs()) {
            return Result.fail(AppendError.INVALID_TIMESTAMP, "timestamp " + base
                    + " is more than message.timestamp.before.max.ms in the past");
        }
        return null;
    }

    /** Compacted topics: records need keys. Compressed batches are checked by the protocol adapter. */
    private static Result checkKeys(ByteBuffer buf, int at, int total) {
        if (BatchFormat.compression(buf, at) != 0 || BatchFormat.isControl(buf, at)) {
            return null;
        }
        try {
            return BatchFormat.hasNullKey(buf, at, total)
                    ? Result.fail(AppendError.INVALID_RECORD, "compacted topic does not accept null keys")
                    : null;
        } catch (IllegalArgumentException e) {
            return Result.fail(AppendError.CORRUPT_MESSAGE, "malformed record: " + e.getMessage());
        }
    }
}
