package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * On a TLS connection, turns the file regions of fetch responses into buffers, since bytes must pass
 * through the TLS engine to be encrypted (sendfile cannot be used; Kafka reads them in its network
 * threads too). Sits between the response writer and the {@code SslHandler}; reads in chunks of
 * {@link #CHUNK_BYTES} so a large fetch never needs one buffer of its size. Plaintext connections do
 * not have this handler and keep zero-copy. Confined to the channel's event loop.
 */
final class TlsFileRegionReader extends ChannelOutboundHandlerAdapter {
    static final int CHUNK_BYTES = 256 << 10;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws IOException {
        if (!(msg instanceof FileRegion region)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            long remaining = region.count();
            long position = 0;
            do {
                int length = (int) Math.min(remaining, CHUNK_BYTES);
                ByteBuf chunk = ctx.alloc().directBuffer(length);
                try {
                    read(region, position, length, chunk);
                } catch (IOException | RuntimeException e) {
                    chunk.release();
                    throw e;
                }
                position += length;
                remaining -= length;
                ctx.write(chunk, remaining == 0 ? promise : ctx.voidPromise());
            } while (remaining > 0);
        } finally {
            region.release();
        }
    }

    private static void read(FileRegion region, long offset, int length, ByteBuf into) throws IOException {
        if (region instanceof SegmentFileRegion segment) {
            long filePosition = region.position() + offset;
            while (into.writerIndex() < length) {
                int read = into.writeBytes(segment.channel(), filePosition + into.writerIndex(), length - into.writerIndex());
                if (read < 0) {
                    throw new IOException("segment ended before the fetched region did");
                }
            }
            return;
        }
        // Any other region: let it write itself into the buffer.
        WritableByteChannel sink = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = Math.min(src.remaining(), into.writableBytes());
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + n);
                into.writeBytes(part);
                src.position(src.position() + n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        while (into.writerIndex() < length) {
            if (region.transferTo(sink, offset + into.writerIndex()) <= 0) {
                throw new IOException("file region ended early");
            }
        }
    }
}
