package io.dlog.kafka.handlers.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.AppendResult;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.kafka.topic.SingleNodeTopics;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * A real TopicService over a real LogManager and a single-voter metadata Raft group in a temp folder,
 * and a BrokerContext around it, for driving admin handlers directly. Node id 1, registered and
 * advertised at 127.0.0.1:9092.
 */
final class AdminTestBroker implements AutoCloseable {
    static final int NODE_ID = 1;
    static final String CLUSTER_ID = "test-cluster-id-00000";

    private final SingleNodeTopics metadata;
    private final LogManager logs;
    private final ScheduledExecutorService scheduler;
    final TopicService topics;
    final BrokerContext context;

    private AdminTestBroker(Path dir, Map<String, String> overrides) throws IOException {
        Map<String, String> values = new HashMap<>();
        values.put(BrokerConfig.NODE_ID, Integer.toString(NODE_ID));
        values.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:9092");
        values.put(BrokerConfig.LOG_DIRS, dir.toString());
        values.putAll(overrides);
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        metadata = SingleNodeTopics.open(dir.resolve("raft"), logs, BrokerConfig.parse(values));
        topics = metadata.topics();
        scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicLong ids = new AtomicLong();
        context = new BrokerContext(CLUSTER_ID, topics, Clock.systemUTC(), ids::incrementAndGet, scheduler,
                new AtomicInteger(9092));
    }

    static AdminTestBroker open(Path dir) throws IOException {
        return new AdminTestBroker(dir, Map.of());
    }

    static AdminTestBroker open(Path dir, Map<String, String> brokerConfig) throws IOException {
        return new AdminTestBroker(dir, brokerConfig);
    }

    static RequestContext version(int version) {
        return new RequestContext((short) version, 1, "test", new InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT");
    }

    /** Runs the handler and waits for its answer. */
    static <Q, R> R call(BiFunction<RequestContext, Q, CompletionStage<R>> handler, int version, Q request) {
        try {
            return handler.apply(version(version), request).toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("handler failed", e);
        }
    }

    /** Writes the response at this version and parses it back with Kafka's classes, as a client would. */
    @SuppressWarnings("unchecked")
    static <R extends ApiMessage> R roundTrip(ApiKeys api, int version, R response) {
        ByteBufferAccessor written = MessageUtil.toByteBufferAccessor(response, (short) version);
        ByteBuffer buffer = written.buffer();
        if (buffer.position() != 0) {
            buffer.flip();
        }
        return (R) AbstractResponse.parseResponse(api, new ByteBufferAccessor(buffer), (short) version).data();
    }

    TopicImage createTopic(String name, int partitions) {
        return createTopic(name, partitions, Map.of());
    }

    TopicImage createTopic(String name, int partitions, Map<String, String> configs) {
        return topics.create(name, partitions, (short) 1, configs, TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
    }

    /** Appends {@code count} single-record batches to the partition and returns its log end offset. */
    long append(String topic, int partition, int count) {
        PartitionLog log = topics.partition(topic, partition).orElseThrow();
        for (int i = 0; i < count; i++) {
            MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                            ("v" + i).getBytes(StandardCharsets.UTF_8)));
            AppendResult result = log.append(batch.buffer(), 0).join();
            assertThat(result.error()).as("append error").isNull();
        }
        return log.logEndOffset();
    }

    @Override
    public void close() throws IOException {
        scheduler.shutdownNow();
        topics.close();
        metadata.close();
        logs.close();
    }
}
