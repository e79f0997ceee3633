package io.dlog.log;

/** A read or DeleteRecords offset outside [logStartOffset, logEndOffset]. Maps to OFFSET_OUT_OF_RANGE. */
public final class OffsetOutOfRangeException extends Exception {
    public OffsetOutOfRangeException(String message) {
        super(message);
    }
}
