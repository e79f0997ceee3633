package io.dlog.kafka.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's {@code connections.max.idle.ms}: a connection that neither sent nor received anything for
 * that long is closed, so idle or half-open sockets do not accumulate. One per connection, on its
 * event loop.
 */
final class IdleConnectionCloser extends IdleStateHandler {

    IdleConnectionCloser(long maxIdleMs) {
        super(0, 0, maxIdleMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
        if (event.state() == IdleState.ALL_IDLE) {
            ctx.close();
        }
    }
}
