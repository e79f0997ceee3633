package io.dlog.kafka.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's connection limits. {@code max.connections}: once that many connections are open the
 * listener stops accepting (new clients wait in the accept backlog, as Kafka's acceptor blocks) until
 * one closes; {@code max.connections.per.ip}: a connection from an address that already has that many
 * is closed at once (Kafka's TooManyConnectionsException). Each connection passes through
 * {@link #channelActive} once, then this handler leaves its pipeline and its close is counted by a
 * close-future listener. Accepts come in bursts, so a few connections may be accepted after the limit
 * was reached, before the listener's pause took effect: those are parked (nothing read from them, as
 * if still in the backlog) and activated one by one as other connections close, never reset.
 *
 * <p>Shared by every connection of the listener; thread-safe.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final int maxConnections;
    private final int maxPerIp;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong refusedSinceLog = new AtomicLong();
    /** The listening channels, whose accepting pauses at the limit; several listeners share one limit. */
    private final java.util.List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Connections accepted over the limit, waiting for a slot; their handler stays in the pipeline. */
    private final java.util.Queue<ChannelHandlerContext> parked = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Limits of zero or below mean none. */
    ConnectionLimiter(int maxConnections, int maxPerIp) {
        this.maxConnections = maxConnections <= 0 ? Integer.MAX_VALUE : maxConnections;
        this.maxPerIp = maxPerIp <= 0 ? Integer.MAX_VALUE : maxPerIp;
    }

    void bindTo(Channel listenerChannel) {
        listeners.add(listenerChannel);
    }

    int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        InetAddress address = channel.remoteAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
        AtomicInteger fromAddress = address == null ? new AtomicInteger()
                : perIp.computeIfAbsent(address, key -> new AtomicInteger());
        int ofAddress = fromAddress.incrementAndGet();
        int total = open.incrementAndGet();
        channel.closeFuture().addListener(future -> onClosed(ctx, address, fromAddress));
        if (ofAddress > maxPerIp) {
            ctx.pipeline().remove(this);
            logRefusal(address, true);
            channel.close();
            return;
        }
        if (total > maxConnections) {
            // Accepted in a burst before the pause took effect: wait unread for a slot.
            channel.config().setAutoRead(false);
            parked.add(ctx);
            updateAccepting();
            return;
        }
        if (total >= maxConnections) {
            updateAccepting();
        }
        activate(ctx);
    }

    private void activate(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
    }

    private void onClosed(ChannelHandlerContext ctx, InetAddress address, AtomicInteger fromAddress) {
        if (address != null && fromAddress.decrementAndGet() == 0) {
            perIp.remove(address, fromAddress);
        }
        parked.remove(ctx);
        open.decrementAndGet();
        ChannelHandlerContext next;
        // Active connections are the open ones less those parked: a slot frees only when an active one closes.
        while (open.get() - parked.size() < maxConnections && (next = parked.poll()) != null) {
            ChannelHandlerContext waiting = next;
            if (waiting.channel().isActive()) {
                waiting.channel().eventLoop().execute(() -> {
                    activate(waiting);
                    waiting.channel().config().setAutoRead(true);
                });
                break;
            }
        }
        if (open.get() < maxConnections && listeners.stream().anyMatch(server -> !server.config().isAutoRead())) {
            updateAccepting();
        }
    }

    /**
     * Accepting is paused exactly while the limit is reached. Decided on the listener's own event loop,
     * which serializes pauses and resumes, and where (with epoll) turning auto-read off takes effect at
     * once rather than after one more accept.
     */
    private void updateAccepting() {
        for (Channel server : listeners) {
            server.eventLoop().execute(() -> {
                boolean pause = open.get() >= maxConnections;
                if (server.config().isAutoRead() == pause) {
                    server.config().setAutoRead(!pause);
                }
            });
        }
    }

    /** At most one line per ten seconds however many connections are refused. */
    private void logRefusal(InetAddress address, boolean perIpLimit) {
        long refused = refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastRefusalLog.compareAndSet(last, now)) {
            refusedSinceLog.addAndGet(-refused);
            LOG.info("Refused {} connection(s), the latest from {}: {} reached", refused, address,
                    perIpLimit ? "max.connections.per.ip " + maxPerIp : "max.connections " + maxConnections);
        }
    }
}
