package io.dlog.kafka.server;

import io.netty.channel.DefaultFileRegion;
import java.nio.channels.FileChannel;

/**
 * A region of a segment file sent with sendfile. Unlike its parent it does not close the channel when
 * released: the log engine owns segment channels and keeps them open while reads may be in flight.
 * Subclassing (rather than a FileRegion of our own) keeps Netty's native epoll sendfile path.
 */
final class SegmentFileRegion extends DefaultFileRegion {

    private final FileChannel channel;

    SegmentFileRegion(FileChannel channel, long position, long count) {
        super(channel, position, count);
        this.channel = channel;
    }

    /** The segment's channel, for a TLS connection, which must read the bytes to encrypt them. */
    FileChannel channel() {
        return channel;
    }

    @Override
    protected void deallocate() {
        // The channel belongs to the log engine.
    }
}
