package io.dlog.kafka.server;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.security.ConnectionAuthenticator;
import io.dlog.kafka.security.ListenerSecurity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import io.dlog.kafka.metrics.RequestMetrics;
import io.dlog.kafka.metrics.RequestTypeMetrics;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
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
 *
 * <p>Back-pressure: the connection stops reading from its socket (auto-read off) while any of these
 * holds, and resumes when none does: {@code maxInFlight} requests are unfinished (acks=0 produces
 * count too, though they are never answered; reading resumes below half of it), its outbound buffer
 * is over the channel's high water mark (a client that does not read its responses), its request
 * frames hold the per-connection byte cap, or the broker-wide {@link RequestMemoryPool} is spent.
 * So whatever a client sends, what the broker holds for it is bounded; it is never failed for it.
 *
 * <p>Authentication ({@link ConnectionAuthenticator}) decides first what becomes of each request: on a
 * SASL listener, SaslHandshake and SaslAuthenticate are answered by the connection's authenticator in
 * their turn, and a request not allowed before authentication closes the connection, as Kafka does. A
 * failed authentication's answer is the connection's last.
 *
 * <p>Client quotas: a produce request over its producer_byte_rate (counted here, on arrival), a Fetch
 * response carrying a throttle time (counted by the fetch handler) or any request over its
 * request_percentage ({@link io.dlog.kafka.quota.RequestTimeQuota}: its handler's time here and the
 * work it charged to its {@link io.dlog.kafka.api.RequestCost}, counted when its response is ready; the
 * decoding and encoding counted once it is written) mutes the connection for that time, as Kafka's
 * broker does: no reads, and requests already read wait undispatched. The response carries the longest
 * throttle time it earned and leaves at once to clients that back off on their own (KIP-219), and when
 * the throttle ends to older produce and fetch clients.
 *
 * <p>When the connection closes, responses still queued are dropped quietly: one log line at most.
 */
final class KafkaConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnectionHandler.class);
    /**
     * Kafka's request log: one line per completed request at DEBUG with its times, off by default (the
     * logger is at WARN in the broker's logback.xml, as in Kafka's log4j config).
     */
    private static final Logger REQUEST_LOG = LoggerFactory.getLogger("kafka.request.logger");
    /** Connections closed for what their client sent: at most 20 lines per 10 s. */
    private static final RateLimitedLog CLOSE_LINES = new RateLimitedLog(java.time.Duration.ofSeconds(10), 20);
    /** Handlers that failed unexpectedly (a client can provoke them): at most 20 lines per 10 s. */
    private static final RateLimitedLog HANDLER_FAILURE_LINES = new RateLimitedLog(java.time.Duration.ofSeconds(10), 20);

    private final ApiRegistry registry;
    private final String listenerName;
    private final int maxInFlight;
    private final ConnectionMemory memory;
    private final ListenerSecurity security;
    private ConnectionAuthenticator authenticator;
    private final ArrayDeque<PendingResponse> pending = new ArrayDeque<>();
    /** Responses written in the current pass, whose send times end at its flush (reused, never shrunk). */
    private final ArrayDeque<PendingResponse> writtenThisPass = new ArrayDeque<>();
    /** acks=0 produces dispatched and not yet finished (they have no slot in {@code pending}). */
    private int unansweredInFlight;
    private boolean closed;
    private boolean closeLogged;
    private boolean waitingForPool;
    /** A client quota's throttle: reads stay off (and old clients' responses held) until this ends. */
    private boolean throttled;
    private long throttleEndNanos;
    /** Requests read while throttled, dispatched in order when it ends. */
    private final ArrayDeque<KafkaRequest> deferred = new ArrayDeque<>();

    /** A request waiting for its turn to be answered. */
    private static final class PendingResponse {
        final KafkaRequest request;
        final short responseVersion;
        ApiMessage response;
        /** The connection closes once this response is written (a failed authentication). */
        boolean closeAfter;
        /** Request metrics: the API's, and for Fetch also FetchConsumer or FetchFollower (else null). */
        RequestTypeMetrics metrics;
        RequestTypeMetrics fetchMetrics;
        /** The client's address, for the request log. */
        InetSocketAddress peer;
        /** nanoTime stamps of the request's stages (see RequestTypeMetrics for what they separate). */
        long dispatchedNanos;
        long handledNanos;
        long readyNanos;
        long sendingNanos;
        /** Written only once the connection's throttle ends (a client older than KIP-219). */
        boolean holdWhileThrottled;
        /** The throttle time a produce request earned against its quota when it arrived. */
        int throttleMs;
        /** The request's context: who sent it, what other threads' work it cost. */
        RequestContext context;
        /** Counted against the sender's request_percentage (quotas of that kind exist, not exempt). */
        boolean requestTimed;

        PendingResponse(KafkaRequest request, short responseVersion) {
            this.request = request;
            this.responseVersion = responseVersion;
        }
    }

    KafkaConnectionHandler(ApiRegistry registry, String listenerName, int maxInFlight, ConnectionMemory memory) {
        this(registry, ListenerSecurity.plaintext(listenerName), maxInFlight, memory);
    }

    KafkaConnectionHandler(ApiRegistry registry, ListenerSecurity security, int maxInFlight, ConnectionMemory memory) {
        this(registry, security, maxInFlight, memory, null);
    }

    /** @param authenticator the connection's authenticator, or null to make one when the first request comes */
    KafkaConnectionHandler(ApiRegistry registry, ListenerSecurity security, int maxInFlight, ConnectionMemory memory,
                           ConnectionAuthenticator authenticator) {
        this.registry = registry;
        this.listenerName = security.listenerName();
        this.security = security;
        this.maxInFlight = maxInFlight;
        this.memory = memory;
        this.authenticator = authenticator;
    }

    /** The authenticator of a connection on {@code channel}; its TLS session is read from the pipeline. */
    static ConnectionAuthenticator newAuthenticator(ListenerSecurity security, io.netty.channel.Channel channel) {
        InetAddress peer = channel.remoteAddress() instanceof InetSocketAddress address ? address.getAddress() : null;
        return new ConnectionAuthenticator(security, peer,
                () -> Optional.ofNullable(channel.pipeline().get(SslHandler.class)).map(tls -> tls.engine().getSession()),
                System::nanoTime);
    }

    private ConnectionAuthenticator authenticator(ChannelHandlerContext ctx) {
        if (authenticator == null) {
            authenticator = newAuthenticator(security, ctx.channel());
        }
        return authenticator;
    }

    /**
     * A bare SASL token (after SaslHandshake v0): answered with the server's bare challenge; a failure
     * closes the connection, the only signal v0 has.
     */
    private void onRawSaslToken(ChannelHandlerContext ctx, RawSaslToken token) {
        ConnectionAuthenticator auth = authenticator(ctx);
        java.util.Optional<byte[]> challenge = auth.authenticateRaw(token.bytes());
        if (challenge.isEmpty()) {
            logClose(ctx, auth.closeReason());
            ctx.close();
            return;
        }
        io.netty.buffer.ByteBuf frame = ctx.alloc().buffer(4 + challenge.get().length);
        frame.writeInt(challenge.get().length).writeBytes(challenge.get());
        ctx.writeAndFlush(frame, ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RawSaslToken token) {
            onRawSaslToken(ctx, token);
            return;
        }
        if (!(msg instanceof KafkaRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (throttled || !deferred.isEmpty()) {
            // A muted channel processes nothing until its throttle ends, as Kafka's (requests read
            // before reads stopped wait here, in order).
            deferred.add(request);
            return;
        }
        dispatch(ctx, request);
    }

    private void dispatch(ChannelHandlerContext ctx, KafkaRequest request) {
        ApiKeys apiKey = request.header().apiKey();
        short version = request.header().apiVersion();
        request.touch(apiKey); // names the API in a leak report (no-op unless leak detection tracks the frame)
        var entry = registry.find(apiKey);
        boolean newerApiVersions = apiKey == ApiKeys.API_VERSIONS && entry.isPresent() && version > entry.get().maxVersion();
        if (entry.isEmpty() || (!entry.get().supports(version) && !newerApiVersions)) {
            // Kafka closes the connection on an API or version it does not serve; a client only sends
            // what ApiVersions advertised, so this is a broken or hostile peer.
            logClose(ctx, apiKey + " v" + version + " is not served");
            request.release();
            ctx.close();
            return;
        }
        ConnectionAuthenticator auth = authenticator(ctx);
        ConnectionAuthenticator.Route route = auth.route(apiKey);
        if (route == ConnectionAuthenticator.Route.CLOSE) {
            logClose(ctx, auth.closeReason());
            request.release();
            ctx.close();
            return;
        }
        boolean expectsResponse = !(apiKey == ApiKeys.PRODUCE && ((ProduceRequestData) request.body()).acks() == 0);
        // KIP-511: an ApiVersions version newer than ours is answered at v0, which every client can read.
        PendingResponse slot = new PendingResponse(request, newerApiVersions ? 0 : version);
        slot.dispatchedNanos = System.nanoTime();
        slot.peer = peer(ctx);
        RequestMetrics requestMetrics = registry.requestMetrics();
        slot.metrics = requestMetrics.of(apiKey);
        slot.metrics.onRequest(version);
        if (apiKey == ApiKeys.FETCH) {
            slot.fetchMetrics = requestMetrics.fetch(isFromFollower((FetchRequestData) request.body(), version));
        }
        if (expectsResponse) {
            pending.add(slot);
        } else {
            unansweredInFlight++;
        }
        RequestContext context = new RequestContext(version, request.header().correlationId(),
                request.header().clientId(), peer(ctx), listenerName, auth.principal(), request.sizeInBytes());
        if (apiKey == ApiKeys.PRODUCE) {
            slot.throttleMs = recordProduce(context);
        }
        slot.context = context;
        slot.requestTimed = expectsResponse && route != ConnectionAuthenticator.Route.AUTHENTICATE
                && isRequestTimed(apiKey, slot.fetchMetrics != null && isFromFollower((FetchRequestData) request.body(), version));
        CompletionStage<? extends ApiMessage> stage;
        try {
            if (route == ConnectionAuthenticator.Route.AUTHENTICATE) {
                stage = CompletableFuture.completedFuture(apiKey == ApiKeys.SASL_HANDSHAKE
                        ? auth.handshake((SaslHandshakeRequestData) request.body(), version)
                        : auth.authenticate((SaslAuthenticateRequestData) request.body(), version));
                // Requests pipelined behind a failed authentication are refused by the route (CLOSE).
                slot.closeAfter = auth.closeAfterResponse();
            } else {
                stage = entry.get().handler().handle(context, request.body());
            }
        } catch (RuntimeException | Error e) {
            // Errors too (a codec's native library throws some, snappy-java's SnappyError): escaping here,
            // the request would stay unanswered in pending and its frame would never be freed.
            stage = CompletableFuture.failedFuture(e);
        }
        slot.handledNanos = System.nanoTime();
        requestMetrics.onHandlerBusy(slot.handledNanos - slot.dispatchedNanos);
        // Muted from now: what the client pipelined behind this request waits for the throttle's end.
        throttle(ctx, slot.throttleMs);
        stage.whenComplete((response, error) -> {
            if (ctx.executor().inEventLoop()) {
                onComplete(ctx, slot, expectsResponse, response, error);
            } else {
                ctx.executor().execute(() -> onComplete(ctx, slot, expectsResponse, response, error));
            }
        });
        updateReading(ctx);
    }

    /**
     * Turns socket reads off or on from the connection's current load (see the class comment).
     * Called after every dispatch and every completion, and when writability changes.
     */
    private void updateReading(ChannelHandlerContext ctx) {
        if (closed) {
            return;
        }
        var config = ctx.channel().config();
        boolean reading = config.isAutoRead();
        int inFlight = pending.size() + unansweredInFlight;
        // Hysteresis: stop at the cap, resume only below half of it, so reads are not toggled per request.
        boolean tooMany = inFlight >= (reading ? maxInFlight : Math.max(1, maxInFlight / 2));
        boolean poolFull = memory.shouldPause() && memory.poolFull();
        boolean shouldRead = ctx.channel().isWritable() && !tooMany && !memory.shouldPause() && !throttled;
        if (shouldRead != reading) {
            config.setAutoRead(shouldRead);
        }
        if (poolFull && !waitingForPool) {
            waitingForPool = true;
            memory.awaitPoolRoom(() -> ctx.executor().execute(() -> {
                waitingForPool = false;
                updateReading(ctx);
            }));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void onComplete(ChannelHandlerContext ctx, PendingResponse slot, boolean expectsResponse,
                            ApiMessage response, Throwable error) {
        slot.readyNanos = System.nanoTime();
        if (!expectsResponse) {
            unansweredInFlight--;
            recordTimes(slot, slot.readyNanos, slot.readyNanos);
        }
        if (closed) {
            // The handler is done with the request's bytes only now, so only now may they be freed.
            slot.request.release();
            return;
        }
        ApiMessage answer;
        try {
            answer = error == null ? response : errorResponse(slot, unwrap(error));
        } catch (RuntimeException | Error e) {
            LOG.warn("Closing {}: no error response possible for {}: {}", ctx.channel().remoteAddress(),
                    slot.request.header(), e.toString());
            answer = null;
        }
        if (!expectsResponse) {
            slot.request.release();
            // acks=0 has no response; Kafka closes the connection so the producer learns of the failure.
            if (answer == null || hasProduceError(answer)) {
                ctx.close();
            } else {
                updateReading(ctx);
            }
            return;
        }
        if (answer instanceof ProduceResponseData produce && slot.throttleMs > 0) {
            produce.setThrottleTimeMs(slot.throttleMs);
        }
        if (answer == null) {
            // Finished but never to be written: channelInactive would take it for still running, so the
            // frame is freed here.
            pending.remove(slot);
            slot.request.release();
            ctx.close();
            return;
        }
        int bandwidthThrottleMs = quotaThrottleTimeMs(answer);
        int requestThrottleMs = slot.requestTimed ? recordRequestTime(slot) : 0;
        if (requestThrottleMs > bandwidthThrottleMs) {
            ThrottleTimeField.set(answer, requestThrottleMs); // the longer throttle is the one the client must observe
        }
        slot.response = answer;
        if (bandwidthThrottleMs > 0 || requestThrottleMs > 0) {
            slot.holdWhileThrottled = !clientThrottlesItself(slot.request.header().apiKey(), slot.responseVersion);
            if (requestThrottleMs > bandwidthThrottleMs) {
                throttle(ctx, requestThrottleMs);
            } else if (slot.throttleMs == 0) {
                throttle(ctx, bandwidthThrottleMs); // a fetch's: its handler measured the response
            }
        }
        writeReadyResponses(ctx);
    }

    /**
     * The throttle time a client quota put in a response (Produce and Fetch are the quota-enforced
     * APIs), 0 for anything else.
     */
    private static int quotaThrottleTimeMs(ApiMessage response) {
        if (response instanceof ProduceResponseData produce) {
            return produce.throttleTimeMs();
        }
        if (response instanceof org.apache.kafka.common.message.FetchResponseData fetch) {
            return fetch.throttleTimeMs();
        }
        return 0;
    }

    /**
     * KIP-219: from Produce v6 and Fetch v8 the client backs off by itself for the throttle time, so the
     * response leaves at once; to older clients Kafka sends it only when the throttle ends.
     */
    private static boolean clientThrottlesItself(ApiKeys apiKey, short version) {
        return apiKey == ApiKeys.PRODUCE ? version >= 6 : apiKey != ApiKeys.FETCH || version >= 8;
    }

    /**
     * Mutes the connection for a client quota's throttle time, as Kafka does: no further request is
     * read until it ends (a later, longer throttle extends it).
     */
    private void throttle(ChannelHandlerContext ctx, int throttleMs) {
        if (throttleMs <= 0) {
            return;
        }
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(throttleMs);
        if (throttled && end - throttleEndNanos <= 0) {
            return;
        }
        throttled = true;
        throttleEndNanos = end;
        ctx.executor().schedule(() -> endThrottle(ctx, end), throttleMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        updateReading(ctx);
    }

    /** A throttle's timer: ends the throttle unless a longer one replaced it. */
    private void endThrottle(ChannelHandlerContext ctx, long end) {
        if (closed || !throttled || throttleEndNanos != end) {
            return;
        }
        throttled = false;
        writeReadyResponses(ctx); // held responses
        while (!throttled && !closed && !deferred.isEmpty()) {
            dispatch(ctx, deferred.poll()); // may throttle again
        }
        updateReading(ctx);
    }

    /**
     * Whether a request is counted against request_percentage: only when some entity has such a quota
     * (Kafka measures nothing otherwise), and not for the kinds Kafka exempts.
     */
    private boolean isRequestTimed(ApiKeys apiKey, boolean followerFetch) {
        var quotas = registry.clientQuotas();
        return quotas.isPresent() && quotas.get().request().enabled()
                && !io.dlog.kafka.quota.RequestTimeQuota.isExempt(apiKey, followerFetch, false);
    }

    /**
     * Counts the request's handler time on this event loop and the work it charged to other threads
     * against the sender's request_percentage; returns the throttle time it earned.
     */
    private int recordRequestTime(PendingResponse slot) {
        long nanos = slot.handledNanos - slot.dispatchedNanos + slot.context.cost().workerNanos();
        return registry.clientQuotas().orElseThrow().request().recordAndGetThrottleTimeMs(
                slot.context.principal().getName(), clientId(slot.context), nanos);
    }

    /** Counts the event loop's decoding and encoding of a written response's request (Kafka's network time). */
    private void recordNetworkTime(PendingResponse slot, long encodedNanos) {
        long nanos = slot.request.decodeNanos() + encodedNanos - slot.sendingNanos;
        registry.clientQuotas().orElseThrow().request().recordNetworkTime(slot.context.principal().getName(),
                clientId(slot.context), nanos);
    }

    private static String clientId(RequestContext context) {
        return context.clientId() == null ? "" : context.clientId();
    }

    /**
     * Counts a produce request's size (Kafka's request size: header and body) against the sender's
     * producer_byte_rate; returns the throttle time it earned. Counted on arrival rather than, as Kafka,
     * once appended: DLog serves a connection's requests concurrently, so this is the point where the
     * requests pipelined behind an over-quota one can still be held back, as Kafka's one-at-a-time
     * processing holds them.
     */
    private int recordProduce(RequestContext context) {
        var quotas = registry.clientQuotas();
        if (quotas.isEmpty()) {
            return 0;
        }
        return quotas.get().produce().recordAndGetThrottleTimeMs(context.principal().getName(),
                context.clientId() == null ? "" : context.clientId(), context.requestSize());
    }

    private void writeReadyResponses(ChannelHandlerContext ctx) {
        boolean wrote = false;
        long start = System.nanoTime();
        while (!pending.isEmpty() && pending.peekFirst().response != null
                && !(throttled && pending.peekFirst().holdWhileThrottled)) {
            PendingResponse head = pending.pollFirst();
            try {
                head.sendingNanos = System.nanoTime();
                List<Object> parts = ResponseEncoder.encode(ctx.alloc(), head.request.header().apiKey(),
                        head.responseVersion, head.request.header().correlationId(), head.response);
                if (head.requestTimed) {
                    recordNetworkTime(head, System.nanoTime());
                }
                for (Object part : parts) {
                    ctx.write(part, ctx.voidPromise());
                }
                writtenThisPass.add(head);
                wrote = true;
                if (head.closeAfter) {
                    logClose(ctx, authenticator.closeReason());
                    ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    closed = true;
                    recordWritten();
                    return;
                }
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
        recordWritten();
        registry.requestMetrics().onHandlerBusy(System.nanoTime() - start);
        updateReading(ctx);
    }

    /**
     * Ends the send time of the responses written in this pass at the flush that handed them to the socket
     * (a response larger than the socket buffer finishes later; its send time is then the part written).
     */
    private void recordWritten() {
        if (writtenThisPass.isEmpty()) {
            return;
        }
        long flushed = System.nanoTime();
        for (PendingResponse written : writtenThisPass) {
            recordTimes(written, written.sendingNanos, flushed);
        }
        writtenThisPass.clear();
    }

    /** Records the request's rates and times once its response is written (or, acks=0, once handled). */
    private static void recordTimes(PendingResponse slot, long sendingNanos, long sentNanos) {
        long decoded = slot.request.decodedNanos();
        if (REQUEST_LOG.isDebugEnabled()) {
            REQUEST_LOG.debug("Completed request: {} from {}; totalTime:{},requestQueueTime:{},localTime:{},remoteTime:{},"
                    + "responseQueueTime:{},sendTime:{} (ms)", slot.request.header(), slot.peer, ms(sentNanos - decoded),
                    ms(slot.dispatchedNanos - decoded), ms(slot.handledNanos - slot.dispatchedNanos),
                    ms(slot.readyNanos - slot.handledNanos), ms(sendingNanos - slot.readyNanos), ms(sentNanos - sendingNanos));
        }
        slot.metrics.onCompleted(decoded, slot.dispatchedNanos, slot.handledNanos, slot.readyNanos, sendingNanos, sentNanos);
        if (slot.fetchMetrics != null) {
            slot.fetchMetrics.onCompleted(decoded, slot.dispatchedNanos, slot.handledNanos, slot.readyNanos, sendingNanos,
                    sentNanos);
        }
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    /** A fetch from a replica (Kafka's FetchFollower): its replica id, in ReplicaState from v15, is a broker's. */
    private static boolean isFromFollower(FetchRequestData fetch, short version) {
        return (version >= 15 ? fetch.replicaState().replicaId() : fetch.replicaId()) >= 0;
    }

    private static ApiMessage errorResponse(PendingResponse slot, Throwable error) {
        KafkaRequest request = slot.request;
        if (!(error instanceof org.apache.kafka.common.errors.ApiException)) {
            String suffix = HANDLER_FAILURE_LINES.permit();
            if (suffix != null) {
                LOG.error("Handler of {} failed{}", request.header(), suffix, error);
            }
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
        if (authenticator != null) {
            authenticator.close();
        }
        // Answered requests are freed here; those still running free theirs when they complete.
        for (PendingResponse slot : pending) {
            if (slot.response != null) {
                slot.request.release();
            }
        }
        pending.clear();
        deferred.forEach(KafkaRequest::release);
        deferred.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // After the first failure every write still queued fails too (each one lands here): only the
        // first is worth a line.
        logClose(ctx, cause.toString());
        ctx.close();
    }

    private void logClose(ChannelHandlerContext ctx, String why) {
        if (!closeLogged) {
            closeLogged = true;
            String suffix = CLOSE_LINES.permit();
            if (suffix != null) {
                LOG.info("Closing {}: {}{}", ctx.channel().remoteAddress(), why, suffix);
            }
        }
    }
}
