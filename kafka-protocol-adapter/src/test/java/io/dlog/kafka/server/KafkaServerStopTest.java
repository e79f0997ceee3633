package io.dlog.kafka.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.netty.util.internal.ThreadExecutorMap;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stopping the server with a long poll parked: the poll is answered and its request's bytes are freed. */
class KafkaServerStopTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    @Test
    void shouldFreeTheRequestOfAFetchParkedWhenTheServerStops() throws Exception {
        // Given: a server whose fetches park for ten minutes, on their event loop as the real handler's do
        FetchPurgatory purgatory = new FetchPurgatory(scheduler);
        CountDownLatch parked = new CountDownLatch(1);
        ApiRegistry registry = new ApiRegistry();
        registry.onStopping(purgatory::shutdown);
        registry.register(ApiKeys.FETCH, 4, 17, (context, request) -> {
            CompletableFuture<FetchResponseData> response = new CompletableFuture<>();
            Executor loop = ThreadExecutorMap.currentExecutor();
            purgatory.watch(new FetchPurgatory.Waiter() {
                @Override
                public boolean tryComplete() {
                    return false;
                }

                @Override
                public void expire() {
                    response.complete(new FetchResponseData());
                }

                @Override
                public Executor executor() {
                    return loop;
                }
            }, List.of(), TimeUnit.MINUTES.toMillis(10));
            parked.countDown();
            return response;
        });
        KafkaServer server = KafkaServer.start(new KafkaServer.Settings("127.0.0.1", 0, "PLAINTEXT", 1 << 20, 64, 1,
                100L << 20, -1, -1, -1, -1), registry);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.boundPorts().get("PLAINTEXT"))) {
            sendFetch(client);
            assertThat(parked.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.queuedRequestBytes()).as("the parked fetch holds its request").isPositive();

            // When
            server.close();

            // Then
            assertThat(server.queuedRequestBytes()).isZero();
        }
    }

    private static void sendFetch(Socket client) throws Exception {
        short version = 12;
        FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(600_000).setMinBytes(1)
                .setMaxBytes(1 << 20).setSessionEpoch(-1);
        ByteBuffer header = MessageUtil.toByteBufferAccessor(new RequestHeader(ApiKeys.FETCH, version, "stop-test", 1).data(),
                ApiKeys.FETCH.requestHeaderVersion(version)).buffer();
        ByteBuffer body = MessageUtil.toByteBufferAccessor(fetch, version).buffer();
        DataOutputStream out = new DataOutputStream(client.getOutputStream());
        out.writeInt(header.remaining() + body.remaining());
        out.write(header.array(), header.arrayOffset() + header.position(), header.remaining());
        out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
        out.flush();
    }
}
