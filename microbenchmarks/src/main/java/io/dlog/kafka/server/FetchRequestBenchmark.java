package io.dlog.kafka.server;

import io.dlog.bench.log.Batches;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.QuorumConfig;
import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.KafkaApis;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.BrokerImage;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole consumer Fetch (v17, by topic id, six partitions, 1 MiB each, no session) through the broker's own
 * handler registry on one thread: decode the request body with Kafka's generated class, plan and read (index
 * lookups and batch-header scans to whole-batch slices, KIP-74), build the response, and encode it as the
 * connection would (header and body into one pooled buffer, the records left as zero-copy file regions, which
 * are released here instead of sent). What the event loop spends per fetch besides the kernel's sendfile.
 *
 * <p>The log is a real one in a temp folder, behind a single-node metadata Raft group (no network).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FetchRequestBenchmark {
    private static final short VERSION = 17;
    private static final int PARTITIONS = 6;
    private static final int BATCHES_PER_PARTITION = 2_000;
    private static final int RECORDS_PER_BATCH = 160;

    private Path dir;
    private LogManager logs;
    private RatisMetadataQuorum quorum;
    private ScheduledExecutorService scheduler;
    private ApiRegistry registry;
    private ApiHandler<ApiMessage> fetch;
    private RequestContext context;
    private Uuid topicId;
    private long endOffset;
    /** Requests serialized up front (the client's work is not measured), used in turn. */
    private final ByteBuffer[] requests = new ByteBuffer[256];
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("dlog-fetch-request-bench");
        Map<String, String> values = new HashMap<>();
        values.put(BrokerConfig.NODE_ID, "1");
        values.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:9092");
        values.put(BrokerConfig.LOG_DIRS, dir.toString());
        BrokerConfig config = BrokerConfig.parse(values);
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        TopicService topics = new TopicService(logs, config);
        quorum = RatisMetadataQuorum.start(QuorumConfig.singleNode(1, dir.resolve("raft")), topics);
        topics.attach(quorum);
        quorum.awaitLeader(Duration.ofSeconds(30));
        quorum.propose(new MetadataCommand.RegisterBroker(1, 1, List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1",
                9092)), null), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
        topics.catchUp();
        topics.create("bench", PARTITIONS, (short) 1, Map.of(), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
        ByteBuffer batch = Batches.of(RECORDS_PER_BATCH, 100, Compression.NONE);
        for (int p = 0; p < PARTITIONS; p++) {
            PartitionLog log = logs.get(new TopicPartition("bench", p)).orElseThrow();
            for (int i = 0; i < BATCHES_PER_PARTITION; i++) {
                log.append(batch.duplicate(), 0).join();
            }
            endOffset = log.logEndOffset();
        }
        UUID id = topics.image().topic("bench").orElseThrow().topicId();
        topicId = new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
        scheduler = Executors.newSingleThreadScheduledExecutor();
        AtomicLong ids = new AtomicLong();
        registry = KafkaApis.registry(new BrokerContext("bench-cluster-id-0000", topics, Clock.systemUTC(),
                ids::incrementAndGet, scheduler, new AtomicInteger(9092)));
        fetch = registry.find(ApiKeys.FETCH).orElseThrow().handler();
        context = new RequestContext(VERSION, 1, "bench", new InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT");
        for (int i = 0; i < requests.length; i++) {
            requests[i] = request();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        registry.close();
        quorum.close();
        scheduler.shutdownNow();
        logs.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The request as it arrives: serialized, each partition at a random offset with a few MiB after it. */
    private ByteBuffer request() {
        FetchRequestData data = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1)
                .setMaxBytes(50 * 1024 * 1024).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopicId(topicId);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int p = 0; p < PARTITIONS; p++) {
            topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setCurrentLeaderEpoch(-1)
                    .setFetchOffset(random.nextLong(endOffset - 50L * RECORDS_PER_BATCH)).setLogStartOffset(-1)
                    .setPartitionMaxBytes(1024 * 1024));
        }
        data.topics().add(topic);
        return MessageUtil.toByteBufferAccessor(data, VERSION).buffer();
    }

    /**
     * CPU time per fetch on the calling thread (ThreadMXBean), which a busy machine inflates far less than JMH's
     * wall-clock score: {@code java -cp benchmarks.jar io.dlog.kafka.server.FetchRequestBenchmark [ops]}.
     */
    public static void main(String[] args) throws Exception {
        int ops = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        FetchRequestBenchmark bench = new FetchRequestBenchmark();
        bench.setUp();
        try {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            for (int round = 0; round < 5; round++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long sink = 0;
                for (int i = 0; i < ops; i++) {
                    sink += bench.decodeReadEncode();
                }
                long perOp = (threads.getCurrentThreadCpuTime() - cpu) / ops;
                System.out.printf("round %d: %,d ns of CPU per fetch (%d)%n", round, perOp, sink % 7);
            }
        } finally {
            bench.tearDown();
        }
    }

    @Benchmark
    public int decodeReadEncode() {
        ByteBuffer bytes = requests[next++ & (requests.length - 1)].duplicate();
        FetchRequestData data = new FetchRequestData(new ByteBufferAccessor(bytes), VERSION);
        FetchResponseData response = (FetchResponseData) fetch.handle(context, data).toCompletableFuture().join();
        List<Object> parts = ResponseEncoder.encode(PooledByteBufAllocator.DEFAULT, ApiKeys.FETCH, VERSION, 1, response);
        int count = parts.size();
        parts.forEach(ReferenceCountUtil::release);
        return count;
    }
}
