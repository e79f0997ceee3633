package io.dlog.kafka.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

class FrameDecoderTest {

    @Test
    void shouldCutAStreamOfFramesSplitAtEveryPossiblePoint() {
        byte[][] frames = {bytes(0, 7), bytes(1, 300), bytes(0, 0), bytes(2, 5), bytes(3, 70_000)};
        byte[] stream = stream(frames);
        Random random = new Random(42);
        for (int attempt = 0; attempt < 200; attempt++) {
            EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1 << 20));
            List<ByteBuf> inputs = new ArrayList<>();
            int at = 0;
            while (at < stream.length) {
                int piece = attempt == 0 ? 1 : 1 + random.nextInt(attempt < 100 ? 9 : 90_000);
                int end = Math.min(stream.length, at + piece);
                ByteBuf input = Unpooled.directBuffer(end - at).writeBytes(stream, at, end - at);
                inputs.add(input);
                channel.writeInbound(input);
                at = end;
            }
            for (byte[] expected : frames) {
                ByteBuf frame = channel.readInbound();
                assertThat(ByteBufUtil.getBytes(frame)).isEqualTo(expected);
                frame.release();
            }
            assertThat(channel.inboundMessages()).isEmpty();
            assertThat(inputs).allSatisfy(input -> assertThat(input.refCnt()).isZero());
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void shouldPassAFrameThatArrivedWholeAsASliceOfTheRead() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(1024));
        ByteBuf input = Unpooled.wrappedBuffer(stream(new byte[][] {bytes(9, 10), bytes(8, 3)}));

        channel.writeInbound(input);
        ByteBuf first = channel.readInbound();
        ByteBuf second = channel.readInbound();

        assertThat(first.unwrap()).isSameAs(input);
        assertThat(input.refCnt()).isEqualTo(2);
        first.release();
        second.release();
        assertThat(input.refCnt()).isZero();
    }

    @Test
    void shouldCloseOnAFrameAboveTheLimitAndDropTheRest() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf input = Unpooled.buffer().writeInt(101).writeBytes(bytes(1, 101));

        assertThatThrownBy(() -> channel.writeInbound(input)).isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("101");
        assertThat(input.refCnt()).isZero();
        assertThat(channel.inboundMessages()).isEmpty();
    }

    @Test
    void shouldCloseOnANegativeSize() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(100));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(-1)))
                .isInstanceOf(CorruptedFrameException.class);
    }

    @Test
    void shouldFreeAHalfReceivedFrameAndSizeWhenTheConnectionCloses() {
        for (int received : new int[] {2, 14}) {
            TrackingAllocator allocator = new TrackingAllocator();
            EmbeddedChannel channel = new EmbeddedChannel();
            channel.config().setAllocator(allocator);
            channel.pipeline().addLast(new FrameDecoder(1 << 20));
            ByteBuf stream = Unpooled.buffer().writeInt(1000).writeBytes(bytes(1, 10));
            channel.writeInbound(stream.readRetainedSlice(received));

            channel.close();

            assertThat(allocator.allocated).isNotEmpty().allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
            stream.release();
        }
    }

    @Test
    void shouldNotReserveAHugeDeclaredFrameBeforeItsBytesArrive() {
        TrackingAllocator allocator = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(allocator);
        channel.pipeline().addLast(new FrameDecoder(100 << 20));

        channel.writeInbound(Unpooled.buffer().writeInt(90 << 20).writeBytes(bytes(1, 10)));

        assertThat(allocator.allocated).singleElement().satisfies(buffer -> {
            assertThat(buffer.capacity()).isLessThanOrEqualTo(64 << 10);
            assertThat(buffer.maxCapacity()).isEqualTo(90 << 20);
        });
        channel.close();
        assertThat(allocator.allocated).allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
    }

    /** Remembers every buffer it hands out, to check that the decoder frees what it allocated. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return remember(Unpooled.buffer(initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return remember(Unpooled.directBuffer(initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf remember(ByteBuf buffer) {
            allocated.add(buffer);
            return buffer;
        }
    }

    @Test
    void shouldReceiveFramesOverARealSocketWithReadsLandingInTheFrame() throws Exception {
        byte[][] frames = {bytes(4, 3_000_000), bytes(5, 10), bytes(6, 200_000), bytes(7, 0), bytes(8, 70_000),
            bytes(9, FrameDecoder.UPFRONT_MAX_BYTES + 1_000)};
        BlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
        EventLoopGroup group = Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        try {
            Channel server = new ServerBootstrap().group(group)
                    .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            FrameDecoder decoder = new FrameDecoder(32 << 20);
                            ch.config().setRecvByteBufAllocator(new FrameReadAllocator(decoder));
                            ch.pipeline().addLast(decoder, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    received.add((ByteBuf) msg);
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            byte[] stream = stream(frames);
            try (Socket client = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort())) {
                OutputStream out = client.getOutputStream();
                Random random = new Random(7);
                for (int at = 0; at < stream.length; ) {
                    int piece = Math.min(stream.length - at, 1 + random.nextInt(100_000));
                    out.write(stream, at, piece);
                    out.flush();
                    at += piece;
                }
                for (byte[] expected : frames) {
                    ByteBuf frame = received.poll(30, TimeUnit.SECONDS);
                    assertThat(frame).isNotNull();
                    assertThat(ByteBufUtil.getBytes(frame)).isEqualTo(expected);
                    if (expected.length == 3_000_000) {
                        assertThat(frame.capacity()).isEqualTo(expected.length);
                    }
                    frame.release();
                }
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static byte[] stream(byte[][] frames) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] frame : frames) {
            out.writeInt(frame.length).writeBytes(frame);
        }
        return ByteBufUtil.getBytes(out);
    }

    private static byte[] bytes(int seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
