package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits the stream into Kafka's size-prefixed frames (the 4-byte size is stripped) and copies every
 * byte at most once.
 *
 * <p>A frame that arrived whole inside one read is passed on as a slice of that read, without a
 * copy. A frame spread over several reads (a produce request of a few hundred KiB always is) goes
 * into a buffer of exactly its size, allocated when its size is known, as Kafka's own
 * {@code NetworkReceive} does; the bytes that came with its size are copied there, and the
 * connection's {@link FrameReadAllocator} makes the following socket reads land in it directly
 * ({@link #lendFrameTail}). Above {@link #UPFRONT_MAX_BYTES} the buffer instead grows as bytes
 * arrive (reads are then copied), so a peer cannot reserve memory it never sends. Netty's generic cumulating decoder instead grows one shared buffer and,
 * because decoded frames still hold slices of it while their requests are in flight, re-copies
 * everything received so far on each growth.
 *
 * <p>Request memory ({@link ConnectionMemory}) counts what is allocated: a frame's whole size when its
 * buffer is allocated whole, else the buffer's capacity as it grows; the request made of the frame
 * releases it. A frame is allocated whole only while that leaves half the broker-wide budget free,
 * so peers that announce sizes and never send the bytes (slow loris) cannot spend the budget: past
 * that point memory comes only with bytes that really arrived.
 *
 * <p>A size above {@code maxFrameBytes} or below zero closes the connection, as Kafka does. Before a
 * SASL client has authenticated, the cap is {@code sasl.server.max.receive.size} instead (Kafka's bound on
 * what an unauthenticated peer may make the broker allocate).
 * Confined to the channel's event loop.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    private static final int SIZE_BYTES = 4;
    /** Frames up to this size get their whole buffer when their size arrives (Kafka producers send at most 1 MiB by default). */
    static final int UPFRONT_MAX_BYTES = 16 << 20;
    private static final int GROWING_FIRST_BYTES = 64 << 10;

    private final int maxFrameBytes;
    /** The cap while the connection is unauthenticated, or null when none applies. */
    private final java.util.function.BooleanSupplier unauthenticated;
    private final int unauthenticatedMaxBytes;
    private final ConnectionMemory memory;
    /** The reserved size of {@code partialFrame}. */
    private int partialReserved;
    /** The size prefix while it is incomplete; null between frames and while a frame fills. */
    private ByteBuf partialSize;
    /** The frame being filled; null when none is. */
    private ByteBuf partialFrame;
    /** The view of {@code partialFrame} handed to the socket read in progress, if any. */
    private ByteBuf lent;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, ConnectionMemory.unbounded());
    }

    FrameDecoder(int maxFrameBytes, ConnectionMemory memory) {
        this(maxFrameBytes, memory, () -> false, maxFrameBytes);
    }

    /** @param unauthenticated true while the peer has not authenticated; its frames are capped at {@code unauthenticatedMaxBytes} */
    FrameDecoder(int maxFrameBytes, ConnectionMemory memory, java.util.function.BooleanSupplier unauthenticated,
                 int unauthenticatedMaxBytes) {
        this.maxFrameBytes = maxFrameBytes;
        this.unauthenticated = unauthenticated;
        this.unauthenticatedMaxBytes = unauthenticatedMaxBytes;
        this.memory = memory;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (in == lent) {
            lent = null;
            readIntoFrame(ctx, in);
            return;
        }
        try {
            while (!failed && in.isReadable() && ctx.channel().isActive()) {
                if (partialFrame != null) {
                    fill(ctx, in);
                } else {
                    int size = readSize(ctx, in);
                    if (size >= 0) {
                        startFrame(ctx, in, size);
                    }
                }
            }
        } finally {
            in.release();
        }
    }

    /** The next frame's size, or -1 while its 4 bytes have not all arrived. */
    private int readSize(ChannelHandlerContext ctx, ByteBuf in) {
        int size;
        if (partialSize == null && in.readableBytes() >= SIZE_BYTES) {
            size = in.readInt();
        } else {
            if (partialSize == null) {
                partialSize = ctx.alloc().heapBuffer(SIZE_BYTES, SIZE_BYTES);
            }
            in.readBytes(partialSize, Math.min(in.readableBytes(), partialSize.writableBytes()));
            if (partialSize.isWritable()) {
                return -1;
            }
            size = partialSize.readInt();
            partialSize.release();
            partialSize = null;
        }
        if (size < 0) {
            fail(ctx, new CorruptedFrameException("negative frame size " + size));
            return -1;
        }
        if (size > unauthenticatedMaxBytes && unauthenticated.getAsBoolean()) {
            fail(ctx, new TooLongFrameException("frame of " + size + " bytes before authentication exceeds "
                    + "sasl.server.max.receive.size " + unauthenticatedMaxBytes));
            return -1;
        }
        if (size > maxFrameBytes) {
            fail(ctx, new TooLongFrameException("frame of " + size + " bytes exceeds socket.request.max.bytes " + maxFrameBytes));
            return -1;
        }
        return size;
    }

    private void startFrame(ChannelHandlerContext ctx, ByteBuf in, int size) {
        if (in.readableBytes() >= size) {
            memory.reserve(size);
            ctx.fireChannelRead(in.readRetainedSlice(size));
            return;
        }
        // Up to the cap the whole frame is allocated now; a larger declared size, or any size while
        // request memory is short, gets memory only as its bytes arrive, so a peer cannot reserve
        // socket.request.max.bytes per connection for free.
        int initial;
        if (size <= UPFRONT_MAX_BYTES && memory.roomForWhole(size)) {
            initial = size;
        } else {
            initial = Math.min(size, Math.max(in.readableBytes(), size > UPFRONT_MAX_BYTES ? GROWING_FIRST_BYTES : 0));
        }
        partialFrame = ctx.alloc().directBuffer(Math.max(1, initial), size);
        memory.framing(true);
        fill(ctx, in);
    }

    private void fill(ChannelHandlerContext ctx, ByteBuf in) {
        partialFrame.writeBytes(in, Math.min(in.readableBytes(), partialFrame.maxWritableBytes()));
        accountGrowth();
        emitIfFull(ctx);
    }

    /** Counts the half-received frame's buffer as allocated so far. */
    private void accountGrowth() {
        int capacity = partialFrame.capacity();
        if (capacity > partialReserved) {
            memory.reserve(capacity - partialReserved);
            partialReserved = capacity;
        }
    }

    /**
     * Where the next socket read should go: a view of the half-received frame's unfilled part
     * (retained; the read's buffer is released by whoever consumes it), or null when no frame is
     * half received.
     */
    ByteBuf lendFrameTail() {
        boolean allocatedInFull = partialFrame != null && partialFrame.capacity() == partialFrame.maxCapacity();
        lent = allocatedInFull && !failed ? partialFrame.retainedDuplicate() : null;
        return lent;
    }

    /** A socket read landed in the lent view: the frame has grown by what it wrote. */
    private void readIntoFrame(ChannelHandlerContext ctx, ByteBuf view) {
        try {
            if (partialFrame != null) {
                partialFrame.writerIndex(view.writerIndex());
                emitIfFull(ctx);
            }
        } finally {
            view.release();
        }
    }

    private void emitIfFull(ChannelHandlerContext ctx) {
        if (partialFrame.writerIndex() == partialFrame.maxCapacity()) {
            // Now capacity == size: the request made of it releases exactly its size.
            accountGrowth();
            ByteBuf frame = partialFrame;
            partialFrame = null;
            partialReserved = 0;
            memory.framing(false);
            ctx.fireChannelRead(frame);
        }
    }

    private void fail(ChannelHandlerContext ctx, Exception cause) {
        failed = true;
        releasePartial();
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releasePartial();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
    }

    private void releasePartial() {
        if (partialSize != null) {
            partialSize.release();
            partialSize = null;
        }
        if (partialFrame != null) {
            partialFrame.release();
            partialFrame = null;
            memory.release(partialReserved);
            partialReserved = 0;
            memory.framing(false);
        }
    }
}
