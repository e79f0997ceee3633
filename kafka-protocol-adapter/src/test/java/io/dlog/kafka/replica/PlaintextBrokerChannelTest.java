package io.dlog.kafka.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The follower's blocking PLAINTEXT connection, against a scripted leader on a loopback socket: the bytes it writes are
 * Kafka's Fetch as Kafka's own classes parse it, it reads Kafka's answers, and it never hangs on a leader that stops
 * answering, closes, or answers out of order.
 */
@Timeout(60)
class PlaintextBrokerChannelTest {
    private static final short VERSION = 15;
    private static final Uuid TOPIC_ID = Uuid.randomUuid();

    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final List<RequestHeader> seen = new CopyOnWriteArrayList<>();
    private PlaintextBrokerChannel channel;

    PlaintextBrokerChannelTest() throws IOException {
    }

    @AfterEach
    void tearDown() throws IOException {
        if (channel != null) {
            channel.close();
        }
        server.close();
    }

    @Test
    void shouldSendKafkasFetchAndReadItsAnswers() throws Exception {
        // Given: a leader that answers each fetch with one record naming the request's correlation id
        leader(in -> {
            for (int i = 0; i < 3; i++) {
                ByteBuffer request = readRequest(in.input);
                RequestHeader header = RequestHeader.parse(request);
                seen.add(header);
                FetchRequestData fetch = new FetchRequestData(new ByteBufferAccessor(request), header.apiVersion());
                assertThat(fetch.replicaState().replicaId()).isEqualTo(2);
                in.write(answer(header.correlationId(), header.correlationId(), "value-" + i));
            }
        });
        channel = connect(30_000);

        // When
        for (int i = 0; i < 3; i++) {
            FetchResponseData response = channel.fetch(request(), VERSION);

            // Then: the answer to this request, its records readable until recycled
            FetchResponseData.PartitionData partition = response.responses().get(0).partitions().get(0);
            assertThat(partition.highWatermark()).isEqualTo(i);
            Record record = ((MemoryRecords) partition.records()).records().iterator().next();
            assertThat(StandardCharsets.UTF_8.decode(record.value()).toString()).isEqualTo("value-" + i);
            channel.recycle();
        }
        assertThat(seen).extracting(RequestHeader::apiKey).containsOnly(ApiKeys.FETCH);
        assertThat(seen).extracting(RequestHeader::apiVersion).containsOnly(VERSION);
        assertThat(seen).extracting(RequestHeader::correlationId).containsExactly(0, 1, 2);
        assertThat(seen).extracting(RequestHeader::clientId).containsOnly("follower-2");
    }

    @Test
    void shouldTimeOutAFetchTheLeaderNeverAnswers() throws Exception {
        // Given: a leader that reads the fetch and says nothing
        leader(in -> {
            readRequest(in.input);
            in.awaitClose();
        });
        channel = connect(300);

        // Then: the watchdog closes the connection after the request timeout, and the fetch says so
        assertThatThrownBy(() -> channel.fetch(request(), VERSION)).isInstanceOf(IOException.class)
                .hasMessageContaining("timed out");
    }

    @Test
    void shouldFailABlockedFetchWhenClosedFromAnotherThread() throws Exception {
        // Given: a leader that never answers, and a fetch blocked on it
        CompletableFuture<Void> requested = new CompletableFuture<>();
        leader(in -> {
            readRequest(in.input);
            requested.complete(null);
            in.awaitClose();
        });
        channel = connect(30_000);
        CompletableFuture<FetchResponseData> fetch = CompletableFuture.supplyAsync(() -> {
            try {
                return channel.fetch(request(), VERSION);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        requested.get(30, TimeUnit.SECONDS);

        // When: the fetcher is shut down
        channel.initiateClose();

        // Then
        assertThatThrownBy(() -> fetch.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void shouldFailWhenTheLeaderClosesInTheMiddleOfAnAnswer() throws Exception {
        // Given: a leader that sends half an answer and hangs up
        leader(in -> {
            RequestHeader header = RequestHeader.parse(readRequest(in.input));
            ByteBuffer whole = answer(header.correlationId(), 0, "value");
            in.output.write(whole.array(), 0, whole.remaining() / 2);
            in.output.flush();
            in.socket.close();
        });
        channel = connect(30_000);

        // Then
        assertThatThrownBy(() -> channel.fetch(request(), VERSION)).isInstanceOf(IOException.class)
                .hasMessageContaining("closed by the peer");
    }

    @Test
    void shouldRefuseAnAnswerToAnotherRequest() throws Exception {
        // Given: a leader that answers with a correlation id the request did not have
        leader(in -> {
            RequestHeader header = RequestHeader.parse(readRequest(in.input));
            in.write(answer(header.correlationId() + 7, 0, "value"));
            in.awaitClose();
        });
        channel = connect(30_000);

        // Then
        assertThatThrownBy(() -> channel.fetch(request(), VERSION)).isInstanceOf(IOException.class)
                .hasMessageContaining("correlation id 7");
    }

    private PlaintextBrokerChannel connect(int requestTimeoutMs) throws IOException {
        return PlaintextBrokerChannel.connect(1, "127.0.0.1", server.getLocalPort(), "follower-2", 10_000,
                requestTimeoutMs, 1 << 20);
    }

    private static FetchRequestData request() {
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(2).setReplicaEpoch(-1))
                .setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20);
        request.topics().add(new FetchRequestData.FetchTopic().setTopicId(TOPIC_ID).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
        return request;
    }

    /** A whole answer as a leader writes it: size, response header, Fetch v15 body with one record. */
    private static ByteBuffer answer(int correlationId, long highWatermark, String value) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
        FetchResponseData data = new FetchResponseData();
        data.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(TOPIC_ID).setPartitions(List.of(
                new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(highWatermark)
                        .setRecords(records))));
        ByteBuffer header = MessageUtil.toByteBufferAccessor(new ResponseHeaderData().setCorrelationId(correlationId),
                ApiKeys.FETCH.responseHeaderVersion(VERSION)).buffer();
        ByteBuffer body = MessageUtil.toByteBufferAccessor(data, VERSION).buffer();
        ByteBuffer whole = ByteBuffer.allocate(4 + header.remaining() + body.remaining());
        whole.putInt(header.remaining() + body.remaining()).put(header).put(body).flip();
        return whole;
    }

    private static ByteBuffer readRequest(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** The scripted leader's side of its one connection. */
    private record Leader(Socket socket, DataInputStream input, OutputStream output) {
        void write(ByteBuffer whole) throws IOException {
            output.write(whole.array(), whole.position(), whole.remaining());
            output.flush();
        }

        /** Blocks until the follower closes the connection. */
        void awaitClose() throws IOException {
            while (input.read() >= 0) {
                // a follower sends nothing more while its fetch is out
            }
        }
    }

    private interface Script {
        void run(Leader leader) throws Exception;
    }

    private void leader(Script script) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                script.run(new Leader(s, new DataInputStream(s.getInputStream()), s.getOutputStream()));
            } catch (Exception e) {
                // the follower closed first; the test's assertions say what matters
            }
        }, "scripted-leader-" + UUID.randomUUID());
        t.setDaemon(true);
        t.start();
    }
}
