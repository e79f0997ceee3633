package io.dlog.log;

import java.nio.ByteBuffer;

/**
 * The first batch whose max timestamp answers a ListOffsets-by-timestamp query, with its bytes, so the
 * caller (which knows the record format's codecs) can pick the exact record inside it.
 *
 * @param batch a read-only copy of the whole batch (position 0)
 */
public record TimestampLookup(ByteBuffer batch, long baseOffset, long lastOffset, long maxTimestamp) {
}
