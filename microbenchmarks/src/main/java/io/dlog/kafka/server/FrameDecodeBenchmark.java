package io.dlog.kafka.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cutting a produce-sized request out of socket reads: Netty's cumulating
 * {@code LengthFieldBasedFrameDecoder} (what the broker used before) against {@link FrameDecoder}.
 * One op is one 390 KiB frame arriving in 64 KiB reads, while the five previous frames are still
 * held, as requests in flight hold theirs until their appends finish. On an EmbeddedChannel the
 * reads cannot land in the frame ({@link FrameReadAllocator} needs a socket), so FrameDecoder is
 * measured on its copy-once path. (In this package because FrameDecoder is package-private.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrameDecodeBenchmark {
    private static final int FRAME_BYTES = 390 * 1024;
    private static final int READ_BYTES = 64 * 1024;
    private static final int IN_FLIGHT = 5;

    @Param({"cumulating", "frame"})
    public String decoder;

    private final ArrayDeque<ByteBuf> inFlight = new ArrayDeque<>();
    private EmbeddedChannel channel;
    private byte[] stream;

    @Setup
    public void setUp() {
        stream = new byte[4 + FRAME_BYTES];
        stream[1] = (byte) (FRAME_BYTES >>> 16);
        stream[2] = (byte) (FRAME_BYTES >>> 8);
        stream[3] = (byte) FRAME_BYTES;
        channel = new EmbeddedChannel();
        channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        channel.pipeline().addLast(decoder.equals("frame") ? new FrameDecoder(100 << 20)
                : new LengthFieldBasedFrameDecoder(100 << 20, 0, 4, 0, 4, true));
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                inFlight.add((ByteBuf) msg);
                if (inFlight.size() > IN_FLIGHT) {
                    inFlight.poll().release();
                }
            }
        });
    }

    @Benchmark
    public int oneRequest() {
        for (int at = 0; at < stream.length; at += READ_BYTES) {
            int length = Math.min(READ_BYTES, stream.length - at);
            channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(length).writeBytes(stream, at, length));
        }
        return inFlight.size();
    }

    @TearDown
    public void tearDown() {
        inFlight.forEach(ByteBuf::release);
        channel.finishAndReleaseAll();
    }
}
