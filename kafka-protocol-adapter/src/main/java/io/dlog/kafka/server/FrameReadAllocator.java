package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Chooses where the socket reads of one connection land: while a frame is half received, straight
 * into that frame's own buffer (so its remaining bytes are never copied in user space); otherwise
 * into a buffer sized by Netty's adaptive guess. One instance per connection, bound to its
 * {@link FrameDecoder}.
 */
@SuppressWarnings("deprecation") // RecvByteBufAllocator's API still speaks of Handle, deprecated for ExtendedHandle
final class FrameReadAllocator implements RecvByteBufAllocator {
    private static final AdaptiveRecvByteBufAllocator ADAPTIVE = new AdaptiveRecvByteBufAllocator();
    private final FrameDecoder decoder;

    FrameReadAllocator(FrameDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public Handle newHandle() {
        return new FrameHandle((ExtendedHandle) ADAPTIVE.newHandle(), decoder);
    }

    /** The adaptive handle in every respect but where the next read goes. */
    private static final class FrameHandle implements ExtendedHandle {
        private final ExtendedHandle adaptive;
        private final FrameDecoder decoder;

        FrameHandle(ExtendedHandle adaptive, FrameDecoder decoder) {
            this.adaptive = adaptive;
            this.decoder = decoder;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            ByteBuf frameTail = decoder.lendFrameTail();
            return frameTail != null ? frameTail : adaptive.allocate(alloc);
        }

        @Override
        public int guess() {
            return adaptive.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            adaptive.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            adaptive.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            adaptive.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return adaptive.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            adaptive.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return adaptive.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return adaptive.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return adaptive.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            adaptive.readComplete();
        }
    }
}
