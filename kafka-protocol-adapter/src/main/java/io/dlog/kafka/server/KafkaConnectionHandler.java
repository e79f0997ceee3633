package io.dlog.kafka.server;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection: dispatches each request to its handler and writes responses strictly in request
 * order (Kafka clients match responses to requests by order), even when handlers finish out of order.
 *
 * <p>Confined to the channel's event loop; handler completions from other threads hop back onto it.
 * Above {@code maxInFlight} unanswered requests the connection stops reading (back-pressure).
 */
final class KafkaConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnectionHandler.class);

    private final ApiRegistry registry;
    private final String listenerName;
    private final int maxInFlight;
    private final ArrayDeque<PendingResponse> pending = new ArrayDeque<>();
    private boolean closed;

    /** A request waiting for its turn to be answered. */
    private static final class PendingResponse {
        final KafkaRequest request;
        final short responseVersion;
        ApiMessage response;

        PendingResponse(KafkaRequest request, short responseVersion) {
            this.request = request;
            this.responseVersion = responseVersion;
        }
    }

    KafkaConnectionHandler(ApiRegistry registry, String listenerName, int maxInFlight) {
        this.registry = registry;
        this.listenerName = listenerName;
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof KafkaRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ApiKeys apiKey = request.header().apiKey();
        short version = request.header().apiVersion();
        var entry = registry.find(apiKey);
        boolean newerApiVersions = apiKey == ApiKeys.API_VERSIONS && entry.isPresent() && version > entry.get().maxVersion();
        if (entry.isEmpty() || (!entry.get().supports(version) && !newerApiVersions)) {
            // Kafka closes the connection on an API or version it does not serve; a client only sends
            // what ApiVersions advertised, so this is a broken or hostile peer.
            LOG.info("Closing {}: {} v{} is not served", ctx.channel().remoteAddress(), apiKey, version);
            request.release();
            ctx.close();
            return;
        }
        boolean expectsResponse = !(apiKey == ApiKeys.PRODUCE && ((ProduceRequestData) request.body()).acks() == 0);
        // KIP-511: an ApiVersions version newer than ours is answered at v0, which every client can read.
        PendingResponse slot = new PendingResponse(request, newerApiVersions ? 0 : version);
        if (expectsResponse) {
            pending.add(slot);
        }
        RequestContext context = new RequestContext(version, request.header().correlationId(),
                request.header().clientId(), peer(ctx), listenerName);
        CompletionStage<? extends ApiMessage> stage;
        try {
            stage = entry.get().handler().handle(context, request.body());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                onComplete(ctx, slot, expectsResponse, response, error);
            } else {
                ctx.executor().execute(() -> onComplete(ctx, slot, expectsResponse, response, error));
            }
        });
        if (pending.size() >= maxInFlight && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void onComplete(ChannelHandlerContext ctx, PendingResponse slot, boolean expectsResponse,
                            ApiMessage response, Throwable error) {
        if (closed) {
            // The handler is done with the request's bytes only now, so only now may they be freed.
            slot.request.release();
            return;
        }
        ApiMessage answer;
        try {
            answer = error == null ? response : errorResponse(slot, unwrap(error));
        } catch (RuntimeException e) {
            LOG.warn("Closing {}: no error response possible for {}", ctx.channel().remoteAddress(), slot.request.header(), e);
            answer = null;
        }
        if (!expectsResponse) {
            slot.request.release();
            // acks=0 has no response; Kafka closes the connection so the producer learns of the failure.
            if (answer == null || hasProduceError(answer)) {
                ctx.close();
            }
            return;
        }
        if (answer == null) {
            ctx.close();
            return;
        }
        slot.response = answer;
        writeReadyResponses(ctx);
    }

    private void writeReadyResponses(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peekFirst().response != null) {
            PendingResponse head = pending.pollFirst();
            try {
                List<Object> parts = ResponseEncoder.encode(ctx.alloc(), head.request.header().apiKey(),
                        head.responseVersion, head.request.header().correlationId(), head.response);
                for (Object part : parts) {
                    ctx.write(part, ctx.voidPromise());
                }
                wrote = true;
            } catch (RuntimeException e) {
                LOG.error("Closing {}: cannot encode response to {}", ctx.channel().remoteAddress(), head.request.header(), e);
                ctx.close();
            } finally {
                head.request.release();
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (!ctx.channel().config().isAutoRead() && pending.size() < Math.max(1, maxInFlight / 2)) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private static ApiMessage errorResponse(PendingResponse slot, Throwable error) {
        KafkaRequest request = slot.request;
        if (!(error instanceof org.apache.kafka.common.errors.ApiException)) {
            LOG.error("Handler of {} failed", request.header(), error);
        }
        AbstractRequest parsed = AbstractRequest.parseRequest(request.header().apiKey(), request.header().apiVersion(),
                new ByteBufferAccessor(request.bodyBytes())).request;
        return parsed.getErrorResponse(0, error).data();
    }

    private static InetSocketAddress peer(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address : null;
    }

    private static boolean hasProduceError(ApiMessage response) {
        return response instanceof ProduceResponseData produce && produce.responses().stream()
                .flatMap(topic -> topic.partitionResponses().stream())
                .anyMatch(partition -> partition.errorCode() != 0);
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        // Answered requests are freed here; those still running free theirs when they complete.
        for (PendingResponse slot : pending) {
            if (slot.response != null) {
                slot.request.release();
            }
        }
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("Closing {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
