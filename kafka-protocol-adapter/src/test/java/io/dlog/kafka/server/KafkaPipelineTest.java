package io.dlog.kafka.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.handlers.ApiVersionsHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The connection pipeline on an EmbeddedChannel, with Kafka's own classes as the reference codec. */
class KafkaPipelineTest {
    private final List<CompletableFuture<ApiMessage>> pendingClusterAnswers = new ArrayList<>();
    private final List<CompletableFuture<ApiMessage>> pendingProduces = new ArrayList<>();
    private final ApiRegistry registry = new ApiRegistry();
    private RequestMemoryPool memory = RequestMemoryPool.unbounded();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        registry.register(ApiKeys.API_VERSIONS, 0, 4, new ApiVersionsHandler(registry));
        // A handler whose answers the test releases, to reorder completions.
        registry.register(ApiKeys.DESCRIBE_CLUSTER, 0, 1, (context, request) -> {
            CompletableFuture<ApiMessage> answer = new CompletableFuture<>();
            pendingClusterAnswers.add(answer);
            return answer;
        });
        registry.register(ApiKeys.LIST_GROUPS, 0, 5, (context, request) -> {
            throw new IllegalStateException("boom");
        });
        registry.register(ApiKeys.PRODUCE, 3, 12, (context, request) -> {
            CompletableFuture<ApiMessage> answer = new CompletableFuture<>();
            pendingProduces.add(answer);
            return answer;
        });
        connect(64, -1);
    }

    private void connect(int maxInFlight, long queuedMaxRequestBytes) {
        memory = new RequestMemoryPool(queuedMaxRequestBytes);
        channel = new EmbeddedChannel();
        KafkaServer.configurePipeline(channel.pipeline(), new KafkaServer.Settings("127.0.0.1", 0, "PLAINTEXT",
                1024 * 1024, maxInFlight, 1, queuedMaxRequestBytes, -1, -1, -1, -1), registry, memory);
    }

    @Test
    void shouldGiveBackEveryRequestByteOnceAnsweredOrRefused() {
        DescribeClusterRequestData body = new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1).data();
        send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 1, body);
        send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 2, body);
        send(ApiKeys.LIST_GROUPS, (short) 4, 3, new ListGroupsRequestData());
        assertThat(memory.usedBytes()).isPositive();

        pendingClusterAnswers.forEach(answer -> answer.complete(new DescribeClusterResponseData()));
        channel.runPendingTasks();
        drainOutbound();
        assertThat(memory.usedBytes()).isZero();

        // A frame that never becomes a request, and a half-received one dropped with the connection.
        channel.writeInbound(Unpooled.buffer().writeInt(6).writeBytes(new byte[] {0x7f, 0x7f, 1, 2, 3, 4}));
        assertThat(channel.isOpen()).isFalse();
        assertThat(memory.usedBytes()).isZero();
        connect(64, -1);
        channel.writeInbound(Unpooled.buffer().writeInt(1000).writeBytes(new byte[10]));
        assertThat(memory.usedBytes()).isPositive();
        channel.close();
        assertThat(memory.usedBytes()).isZero();
    }

    @Test
    void shouldStopReadingAtMaxInFlightAndResumeBelowHalfOfIt() {
        connect(4, -1);
        DescribeClusterRequestData body = new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1).data();
        for (int i = 0; i < 4; i++) {
            send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, i, body);
        }
        assertThat(channel.config().isAutoRead()).isFalse();

        answerCluster(0);
        answerCluster(1);
        assertThat(channel.config().isAutoRead()).as("2 in flight is not below half of 4").isFalse();
        answerCluster(2);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void shouldCountAcksZeroProducesAgainstMaxInFlight() {
        connect(3, -1);
        for (int i = 0; i < 3; i++) {
            send(ApiKeys.PRODUCE, (short) 9, i, new org.apache.kafka.common.message.ProduceRequestData().setAcks((short) 0));
        }
        assertThat(channel.config().isAutoRead()).isFalse();

        pendingProduces.forEach(answer -> answer.complete(new org.apache.kafka.common.message.ProduceResponseData()));
        channel.runPendingTasks();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(channel.<Object>readOutbound()).as("acks=0 gets no response").isNull();
    }

    @Test
    void shouldStopReadingWhileTheBrokerWideRequestBudgetIsSpent() {
        connect(64, 100);
        DescribeClusterRequestData body = new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1).data();
        for (int i = 0; i < 4; i++) {
            send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, i, body);
        }
        assertThat(memory.exhausted()).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();

        for (int i = 0; i < 4; i++) {
            answerCluster(i);
        }
        assertThat(memory.usedBytes()).isZero();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void shouldThrottleARequestOverItsRequestPercentageButNotAClusterAction() {
        // Given: the test client may use 1% of one thread; Metadata and WriteTxnMarkers each cost 2 s of
        // other threads' work
        var quotas = new io.dlog.log.metadata.ClientQuotasImage(java.util.Map.of(
                new io.dlog.log.metadata.QuotaEntity(java.util.List.of(new io.dlog.log.metadata.QuotaEntity.Part(
                        io.dlog.log.metadata.QuotaEntity.CLIENT_ID, "test-client"))),
                java.util.Map.of(io.dlog.kafka.quota.QuotaKeys.REQUEST_PERCENTAGE, 1.0)));
        registry.useClientQuotas(io.dlog.kafka.quota.ClientQuotas.create(11, 1, () -> quotas, System::currentTimeMillis));
        registry.register(ApiKeys.WRITE_TXN_MARKERS, 1, 1, (context, request) -> {
            context.cost().chargeWorkerNanos(2_000_000_000L);
            return CompletableFuture.completedFuture(new org.apache.kafka.common.message.WriteTxnMarkersResponseData());
        });
        registry.register(ApiKeys.METADATA, 12, 12, (context, request) -> {
            context.cost().chargeWorkerNanos(2_000_000_000L);
            return CompletableFuture.completedFuture(new org.apache.kafka.common.message.MetadataResponseData());
        });

        // When: a cluster action comes first
        send(ApiKeys.WRITE_TXN_MARKERS, (short) 1, 1, new org.apache.kafka.common.message.WriteTxnMarkersRequestData());
        receive(ApiKeys.WRITE_TXN_MARKERS, (short) 1, 1);
        // Then: it is exempt, the connection reads on
        assertThat(channel.config().isAutoRead()).isTrue();

        // When: then a client request
        send(ApiKeys.METADATA, (short) 12, 2, new org.apache.kafka.common.message.MetadataRequestData());
        var metadata = (org.apache.kafka.common.message.MetadataResponseData) receive(ApiKeys.METADATA, (short) 12, 2);

        // Then: 2 s of work in Kafka's 10 s window is 20% of a thread: throttled for one window (the
        // most a request quota holds back), the response says so at once and the connection is muted
        assertThat(metadata.throttleTimeMs()).isEqualTo(1000);
        assertThat(channel.config().isAutoRead()).isFalse();
        send(ApiKeys.API_VERSIONS, (short) 3, 3, new ApiVersionsRequestData());
        assertThat(channel.<Object>readOutbound()).as("a request read while muted waits").isNull();
    }

    private void answerCluster(int index) {
        pendingClusterAnswers.get(index).complete(new DescribeClusterResponseData());
        channel.runPendingTasks();
        drainOutbound();
    }

    private void drainOutbound() {
        Object part;
        while ((part = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(part);
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {0, 1, 2, 3, 4})
    void shouldAnswerApiVersionsWithExactlyTheRegisteredApis(short version) {
        send(ApiKeys.API_VERSIONS, version, 7, new ApiVersionsRequest.Builder().build(version).data());

        ApiVersionsResponseData response = (ApiVersionsResponseData) receive(ApiKeys.API_VERSIONS, version, 7);

        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.apiKeys()).extracting(ApiVersionsResponseData.ApiVersion::apiKey)
                .containsExactlyInAnyOrder(ApiKeys.API_VERSIONS.id, ApiKeys.DESCRIBE_CLUSTER.id, ApiKeys.LIST_GROUPS.id,
                        ApiKeys.PRODUCE.id);
    }

    @Test
    void shouldAnswerNewerApiVersionsAtV0WithUnsupportedVersion() {
        ByteBuffer request = ByteBuffer.allocate(64);
        request.putShort(ApiKeys.API_VERSIONS.id).putShort((short) 127).putInt(9).putShort((short) 1).put((byte) 'c');
        request.put(new byte[] {1, 2, 3, 4, 5});
        request.flip();
        writeFrame(request);

        ApiVersionsResponseData response = (ApiVersionsResponseData) receive(ApiKeys.API_VERSIONS, (short) 0, 9);

        assertThat(response.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
        assertThat(response.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion()).isEqualTo((short) 4);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldWriteResponsesInRequestOrderWhenHandlersFinishOutOfOrder() {
        DescribeClusterRequestData body = new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build((short) 1).data();
        send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 1, body);
        send(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 2, body);

        pendingClusterAnswers.get(1).complete(new DescribeClusterResponseData().setClusterId("second"));
        channel.runPendingTasks();
        assertThat(channel.<Object>readOutbound()).isNull();
        pendingClusterAnswers.get(0).complete(new DescribeClusterResponseData().setClusterId("first"));
        channel.runPendingTasks();

        assertThat(((DescribeClusterResponseData) receive(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 1)).clusterId()).isEqualTo("first");
        assertThat(((DescribeClusterResponseData) receive(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 2)).clusterId()).isEqualTo("second");
    }

    @Test
    void shouldTurnAHandlerFailureIntoKafkasErrorResponseAndKeepTheConnection() {
        send(ApiKeys.LIST_GROUPS, (short) 4, 5, new ListGroupsRequestData());

        var response = (org.apache.kafka.common.message.ListGroupsResponseData) receive(ApiKeys.LIST_GROUPS, (short) 4, 5);

        assertThat(response.errorCode()).isEqualTo(Errors.UNKNOWN_SERVER_ERROR.code());
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void shouldCloseTheConnectionOnAFrameLargerThanTheLimit() {
        ByteBuf frame = Unpooled.buffer().writeInt(2 * 1024 * 1024).writeBytes(new byte[16]);
        channel.writeInbound(frame);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseTheConnectionOnAnUnknownApiKey() {
        ByteBuffer request = ByteBuffer.allocate(16).putShort((short) 999).putShort((short) 0).putInt(1).putShort((short) -1);
        request.flip();
        writeFrame(request);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseTheConnectionOnAnApiItDoesNotServe() {
        send(ApiKeys.CREATE_ACLS, (short) 3, 1, new org.apache.kafka.common.message.CreateAclsRequestData());
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void shouldCloseTheConnectionOnGarbage() {
        ByteBuffer garbage = ByteBuffer.wrap(new byte[] {0, 0, 0, 6, 0x7f, 0x7f, 1, 2, 3, 4});
        channel.writeInbound(Unpooled.wrappedBuffer(garbage));
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    private void send(ApiKeys key, short version, int correlationId, ApiMessage body) {
        RequestHeader header = new RequestHeader(key, version, "test-client", correlationId);
        ByteBuffer bytes = org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(header.data(), header.headerVersion()).buffer();
        ByteBuffer payload = org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(body, version).buffer();
        ByteBuffer request = ByteBuffer.allocate(bytes.remaining() + payload.remaining());
        request.put(bytes).put(payload).flip();
        writeFrame(request);
    }

    private void writeFrame(ByteBuffer request) {
        ByteBuf frame = Unpooled.buffer().writeInt(request.remaining()).writeBytes(request);
        channel.writeInbound(frame);
        channel.runPendingTasks();
    }

    private ApiMessage receive(ApiKeys key, short version, int expectedCorrelationId) {
        ByteBuf out = Unpooled.buffer();
        Object part;
        while ((part = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) part;
            out.writeBytes(buf);
            buf.release();
            if (out.readableBytes() >= 4 && out.readableBytes() >= 4 + out.getInt(0)) {
                break;
            }
        }
        assertThat(out.readableBytes()).as("a whole response").isGreaterThanOrEqualTo(4);
        int size = out.readInt();
        assertThat(out.readableBytes()).isEqualTo(size);
        ByteBuffer buffer = out.nioBuffer();
        ResponseHeader header = ResponseHeader.parse(buffer, key.responseHeaderVersion(version));
        assertThat(header.correlationId()).isEqualTo(expectedCorrelationId);
        return AbstractResponse.parseResponse(key, new org.apache.kafka.common.protocol.ByteBufferAccessor(buffer), version).data();
    }
}
