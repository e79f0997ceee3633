package io.dlog.kafka.server;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.security.ConnectionAuthenticator;
import io.dlog.kafka.security.ListenerSecurity;
import io.dlog.kafka.security.ScramCredentialStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listeners: a Netty server (epoll where the OS has it) bound to every client listener, whose
 * pipeline is flush consolidation → length-prefixed frame decoder (max {@code socket.request.max.bytes}) →
 * request decoder → per-connection dispatcher that answers in request order; in front of it, the
 * connection limits ({@link ConnectionLimiter}), TLS on SSL and SASL_SSL listeners, and the idle timeout.
 * The listeners share the event loops, the request memory ({@code queued.max.request.bytes}) and the
 * connection limits, which are broker-wide as in Kafka.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Map<String, Channel> serverChannels;
    private final RequestMemoryPool requestMemory;
    private final ConnectionLimiter limiter;
    private final ApiRegistry registry;

    /**
     * Server settings. {@code port} 0 picks a free one. Byte caps and connection limits of zero or below
     * mean none.
     *
     * @param queuedMaxRequestBytes     Kafka's queued.max.request.bytes: request bytes held broker-wide
     * @param connectionMaxRequestBytes request bytes one connection may hold before it stops reading
     * @param maxConnections            Kafka's max.connections: above it, accepting pauses
     * @param maxConnectionsPerIp       Kafka's max.connections.per.ip: above it, a new connection is closed
     * @param connectionsMaxIdleMs      Kafka's connections.max.idle.ms: a connection idle this long is closed
     */
    public record Settings(String host, int port, String listenerName, int maxRequestBytes, int maxInFlightPerConnection,
                           int eventLoopThreads, long queuedMaxRequestBytes, long connectionMaxRequestBytes,
                           int maxConnections, int maxConnectionsPerIp, long connectionsMaxIdleMs,
                           ListenerSecurity security) {

        /** A PLAINTEXT listener. */
        public Settings(String host, int port, String listenerName, int maxRequestBytes, int maxInFlightPerConnection,
                        int eventLoopThreads, long queuedMaxRequestBytes, long connectionMaxRequestBytes,
                        int maxConnections, int maxConnectionsPerIp, long connectionsMaxIdleMs) {
            this(host, port, listenerName, maxRequestBytes, maxInFlightPerConnection, eventLoopThreads,
                    queuedMaxRequestBytes, connectionMaxRequestBytes, maxConnections, maxConnectionsPerIp,
                    connectionsMaxIdleMs, ListenerSecurity.plaintext(listenerName));
        }

        /** Without byte caps or connection limits (codec tests). */
        public Settings(String host, int port, String listenerName, int maxRequestBytes, int maxInFlightPerConnection,
                        int eventLoopThreads) {
            this(host, port, listenerName, maxRequestBytes, maxInFlightPerConnection, eventLoopThreads, -1, -1, -1, -1, -1);
        }

        /** The settings of the broker's inter-broker listener. */
        public static Settings of(BrokerConfig config) {
            return of(config, config.listener());
        }

        /**
         * The settings of one of the broker's client listeners.
         *
         * @throws org.apache.kafka.common.config.ConfigException its security settings are missing or unusable
         */
        public static Settings of(BrokerConfig config, BrokerConfig.Listener listener) {
            return of(config, listener, ScramCredentialStore.NONE);
        }

        /** One client listener whose SCRAM mechanisms find credentials in {@code scram}. */
        public static Settings of(BrokerConfig config, BrokerConfig.Listener listener, ScramCredentialStore scram) {
            return new Settings(listener.host(), listener.port(), listener.name(), config.socketRequestMaxBytes(),
                    MAX_IN_FLIGHT_PER_CONNECTION, config.numNetworkThreads(),
                    (Long) config.value(BrokerConfig.QUEUED_MAX_REQUEST_BYTES),
                    (Long) config.value(BrokerConfig.CONNECTION_MAX_REQUEST_BYTES),
                    (Integer) config.value(BrokerConfig.MAX_CONNECTIONS),
                    (Integer) config.value(BrokerConfig.MAX_CONNECTIONS_PER_IP),
                    (Long) config.value(BrokerConfig.CONNECTIONS_MAX_IDLE_MS),
                    ListenerSecurity.of(config, listener.name(), scram));
        }

        /** The settings of every client listener of the broker, in the order of {@code listeners}. */
        public static List<Settings> allOf(BrokerConfig config, ScramCredentialStore scram) {
            return config.clientListeners().stream().map(listener -> of(config, listener, scram)).toList();
        }
    }

    /** Unanswered requests one connection may have before it stops reading (Kafka's clients send at most 5). */
    static final int MAX_IN_FLIGHT_PER_CONNECTION = 64;
    /**
     * Outbound bytes (file regions included) above which a connection stops reading requests, and below
     * which it resumes: a client that does not read its responses gets no more answers queued.
     */
    static final WriteBufferWaterMark RESPONSE_WATER_MARK = new WriteBufferWaterMark(256 << 10, 1 << 20);

    private KafkaServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Map<String, Channel> serverChannels,
                        RequestMemoryPool requestMemory, ConnectionLimiter limiter, ApiRegistry registry) {
        this.registry = registry;
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannels = serverChannels;
        this.requestMemory = requestMemory;
        this.limiter = limiter;
    }

    /**
     * Binds one listener and starts serving.
     *
     * @throws IOException the address is in use or cannot be bound (message names it)
     */
    public static KafkaServer start(Settings settings, ApiRegistry registry) throws IOException {
        return start(List.of(settings), registry);
    }

    /**
     * Binds every listener and starts serving; the event loops, request memory and connection limits
     * are those of the first settings and shared by all.
     *
     * @throws IOException an address is in use or cannot be bound (message names it); nothing stays bound
     */
    public static KafkaServer start(List<Settings> listeners, ApiRegistry registry) throws IOException {
        Settings shared = listeners.get(0);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("dlog-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("dlog-accept"));
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(shared.eventLoopThreads(), new DefaultThreadFactory("dlog-network"))
                : new NioEventLoopGroup(shared.eventLoopThreads(), new DefaultThreadFactory("dlog-network"));
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        RequestMemoryPool requestMemory = new RequestMemoryPool(shared.queuedMaxRequestBytes());
        ConnectionLimiter limiter = new ConnectionLimiter(shared.maxConnections(), shared.maxConnectionsPerIp());
        Map<String, Channel> bound = new LinkedHashMap<>();
        List<Channel> channels = new ArrayList<>();
        for (Settings settings : listeners) {
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
                            configurePipeline(ch.pipeline(), settings, registry, requestMemory);
                            ch.pipeline().addFirst("limit", limiter);
                        }
                    });
            InetSocketAddress address = settings.host() == null || settings.host().isEmpty()
                    ? new InetSocketAddress(settings.port()) : new InetSocketAddress(settings.host(), settings.port());
            try {
                Channel channel = bootstrap.bind(address).sync().channel();
                channels.add(channel);
                bound.put(settings.listenerName(), channel);
                LOG.info("Listening for Kafka clients on {} ({}, {})", channel.localAddress(), settings.listenerName(),
                        epoll ? "epoll" : "nio");
            } catch (Exception e) {
                channels.forEach(c -> c.close().awaitUninterruptibly());
                boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                registry.close();
                if (e instanceof BindException || e.getCause() instanceof BindException) {
                    throw new IOException("cannot listen on " + address + ": address already in use", e);
                }
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
        }
        channels.forEach(limiter::bindTo);
        return new KafkaServer(boss, workers, bound, requestMemory, limiter, registry);
    }

    /** The per-connection pipeline; package-private so codec tests run it on an EmbeddedChannel. */
    static void configurePipeline(ChannelPipeline pipeline, Settings settings, ApiRegistry registry) {
        configurePipeline(pipeline, settings, registry, new RequestMemoryPool(settings.queuedMaxRequestBytes()));
    }

    static void configurePipeline(ChannelPipeline pipeline, Settings settings, ApiRegistry registry,
                                  RequestMemoryPool requestMemory) {
        ConnectionMemory memory = new ConnectionMemory(requestMemory, settings.connectionMaxRequestBytes());
        ConnectionAuthenticator authenticator = KafkaConnectionHandler.newAuthenticator(settings.security(), pipeline.channel());
        FrameDecoder frames = new FrameDecoder(settings.maxRequestBytes(), memory, authenticator::unauthenticated,
                settings.security().saslMaxReceiveBytes());
        pipeline.channel().config().setWriteBufferWaterMark(RESPONSE_WATER_MARK);
        pipeline.channel().config().setMessageSizeEstimator(ResponseSizeEstimator.INSTANCE);
        if (settings.security().tls().isPresent()) {
            // Socket reads hold ciphertext: they cannot land in a frame's buffer, and file regions must be
            // read to be encrypted.
            InetSocketAddress peer = pipeline.channel().remoteAddress() instanceof InetSocketAddress address ? address : null;
            pipeline.addLast("tls", new SslHandler(settings.security().tls().get().newEngine(
                    peer == null ? null : peer.getHostString(), peer == null ? -1 : peer.getPort())));
            pipeline.addLast("tls-regions", new TlsFileRegionReader());
        } else {
            pipeline.channel().config().setRecvByteBufAllocator(new FrameReadAllocator(frames));
        }
        if (settings.connectionsMaxIdleMs() > 0) {
            pipeline.addLast("idle", new IdleConnectionCloser(settings.connectionsMaxIdleMs()));
        }
        pipeline.addLast("flush", new FlushConsolidationHandler(256, true))
                .addLast("frame", frames)
                .addLast("request", new RequestDecoder(memory, authenticator::expectsRawTokens))
                .addLast("dispatch", new KafkaConnectionHandler(registry, settings.security(),
                        settings.maxInFlightPerConnection(), memory, authenticator));
    }

    /** Request bytes held broker-wide right now (queued.max.request.bytes counts these). */
    public long queuedRequestBytes() {
        return requestMemory.usedBytes();
    }

    /** Client connections open right now. */
    public int openConnections() {
        return limiter.open();
    }

    /** The port of the first listener. */
    public int boundPort() {
        return ((InetSocketAddress) serverChannels.values().iterator().next().localAddress()).getPort();
    }

    /** The port each listener is bound to, by listener name. */
    public Map<String, Integer> boundPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        serverChannels.forEach((name, channel) -> ports.put(name, ((InetSocketAddress) channel.localAddress()).getPort()));
        return ports;
    }

    /** Stops accepting, answers parked requests, closes connections and waits for the event loops to end. */
    @Override
    public void close() {
        serverChannels.values().forEach(channel -> channel.close().awaitUninterruptibly());
        // Before the loops end: what this queues on them still runs in their graceful shutdown, while timers
        // scheduled there are dropped, and a request never answered would never free its frame.
        registry.stopping();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        registry.close(); // after the event loops: no handler uses the resources any more
    }
}
