package io.dlog.kafka.server;

import io.dlog.kafka.api.ApiRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: a Netty server (epoll where the OS has it) whose pipeline is
 * flush consolidation → length-prefixed frame decoder (max {@code socket.request.max.bytes}) →
 * request decoder → per-connection dispatcher that answers in request order.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;

    /** Server settings. {@code port} 0 picks a free one. */
    public record Settings(String host, int port, String listenerName, int maxRequestBytes, int maxInFlightPerConnection,
                           int eventLoopThreads) {
    }

    private KafkaServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException the address is in use or cannot be bound (message names it)
     */
    public static KafkaServer start(Settings settings, ApiRegistry registry) throws IOException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("dlog-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("dlog-accept"));
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(settings.eventLoopThreads(), new DefaultThreadFactory("dlog-network"))
                : new NioEventLoopGroup(settings.eventLoopThreads(), new DefaultThreadFactory("dlog-network"));
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        configurePipeline(ch.pipeline(), settings, registry);
                    }
                });
        InetSocketAddress address = settings.host() == null || settings.host().isEmpty()
                ? new InetSocketAddress(settings.port()) : new InetSocketAddress(settings.host(), settings.port());
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            LOG.info("Listening for Kafka clients on {} ({})", channel.localAddress(), epoll ? "epoll" : "nio");
            return new KafkaServer(boss, workers, channel);
        } catch (Exception e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new IOException("cannot listen on " + address + ": address already in use", e);
            }
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** The per-connection pipeline; package-private so codec tests run it on an EmbeddedChannel. */
    static void configurePipeline(ChannelPipeline pipeline, Settings settings, ApiRegistry registry) {
        FrameDecoder frames = new FrameDecoder(settings.maxRequestBytes());
        pipeline.channel().config().setRecvByteBufAllocator(new FrameReadAllocator(frames));
        pipeline.addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("frame", frames)
                .addLast("request", new RequestDecoder())
                .addLast("dispatch", new KafkaConnectionHandler(registry, settings.listenerName(),
                        settings.maxInFlightPerConnection()));
    }

    public int boundPort() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Stops accepting, closes connections and waits for the event loops to end. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
