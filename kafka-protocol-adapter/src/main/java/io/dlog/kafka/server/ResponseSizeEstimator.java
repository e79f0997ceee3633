package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * Counts a queued file region by the bytes it will send. Netty's default counts it as zero, so a
 * client that never reads its Fetch responses would never make its channel unwritable and the broker
 * would keep queueing responses (and the objects and open slices behind them) without bound.
 *
 * <p>Stateless; shared by every channel.
 */
final class ResponseSizeEstimator implements MessageSizeEstimator {
    static final ResponseSizeEstimator INSTANCE = new ResponseSizeEstimator();
    private static final int UNKNOWN_SIZE = 8;

    private static final Handle HANDLE = msg -> {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return (int) Math.min(Integer.MAX_VALUE, region.count() - region.transferred());
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return UNKNOWN_SIZE;
    };

    private ResponseSizeEstimator() {
    }

    @Override
    public Handle newHandle() {
        return HANDLE;
    }
}
