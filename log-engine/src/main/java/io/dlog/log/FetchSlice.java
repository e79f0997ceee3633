package io.dlog.log;

import java.nio.channels.FileChannel;

/**
 * What a read returns: a region of one segment file holding whole record batches, to be sent
 * zero-copy ({@code FileChannel.transferTo} / Netty {@code DefaultFileRegion}), plus the partition's
 * offsets at the time of the read.
 *
 * <p>The channel stays open for at least {@code file.delete.delay.ms} after its segment is deleted,
 * so a slice in flight can always be sent; callers must not close it.
 *
 * @param channel        segment file, or null when {@code length == 0}
 * @param position       byte position of the first batch in the file
 * @param length         bytes of whole batches (0 when nothing to return)
 * @param highWatermark  offsets below it are committed and visible to consumers
 * @param lastStableOffset offsets below it have no open transaction (== high watermark until transactions exist)
 * @param logStartOffset first offset still readable
 * @param logEndOffset   next offset to be assigned
 */
public record FetchSlice(FileChannel channel, long position, int length, long highWatermark,
                         long lastStableOffset, long logStartOffset, long logEndOffset) {
}
