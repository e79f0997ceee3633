package io.dlog.compat.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.dlog.compat.DLogBrokerExtension;
import io.netty.util.ResourceLeakDetector;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the request path of a running broker over TCP: requests of every API key and version it
 * serves, built with Kafka's generated message classes and then mutated byte by byte, and produce
 * requests whose record batch is mutated field by field (sizes, CRC, counts, attributes, varints,
 * compressed payloads; the CRC recomputed half of the time so deeper checks are reached).
 *
 * <p>Invariants, per try: the broker answers the request or closes that connection (it never hangs
 * on a request that must be answered at once); nothing in the broker logs a stack trace (an exception
 * that escaped a handler); Netty's paranoid leak detector reports no leak. After all tries, a normal
 * client writes and reads on another connection.
 *
 * <p>Short in the default build (jqwik's default tries); longer with
 * {@code mvn -B verify -pl compat-tests -am -Pfuzz} (see docs/reliability.md).
 */
class RequestFuzzTest {
    /** APIs whose answer may lawfully wait (long poll, rebalance): a timeout there is not a hang. */
    private static final Set<ApiKeys> MAY_WAIT = EnumSet.of(ApiKeys.FETCH, ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP);
    /** Not fuzzed: they change the cluster for every later try (tens of thousands of partitions, deleted canary). */
    private static final Set<ApiKeys> NOT_FUZZED = EnumSet.of(ApiKeys.CREATE_TOPICS, ApiKeys.CREATE_PARTITIONS,
            ApiKeys.DELETE_TOPICS, ApiKeys.DELETE_RECORDS, ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS);
    private static final int ANSWER_WITHIN_MS = 10_000;

    private static final DLogBrokerExtension DLOG = new DLogBrokerExtension();
    private static final List<ILoggingEvent> TRACES = new CopyOnWriteArrayList<>();
    private static final AtomicLong EXECUTIONS = new AtomicLong();
    private static AppenderBase<ILoggingEvent> capture;
    private static List<Seed> seeds;
    private static String plain;
    private static String compacted;
    private static String recompressing;
    private static Probe probe;

    /** A valid request to start mutating from. */
    record Seed(ApiKeys api, short version, byte[] body) {
    }

    @BeforeContainer
    static void startBroker() throws Exception {
        reportEarlierLeaks();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        DLOG.beforeAll(null);
        plain = DLOG.newTopic(2);
        compacted = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));
        recompressing = DLOG.newTopic(1, Map.of("compression.type", "lz4"));
        writeAndRead(List.of("before"));
        capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getThrowableProxy() != null || event.getFormattedMessage().contains("LEAK")) {
                    TRACES.add(event);
                }
            }
        };
        capture.start();
        ((Logger) LoggerFactory.getLogger("io.dlog")).addAppender(capture);
        ((Logger) LoggerFactory.getLogger("io.netty")).addAppender(capture);
        probe = new Probe(DLOG.broker().port());
        seeds = seeds(probe.servedVersions());
    }

    @AfterContainer
    static void stopBroker() throws Exception {
        try {
            if (probe != null) {
                probe.close();
            }
            // Leaks are reported when a collected buffer is noticed at a later allocation.
            System.gc();
            Thread.sleep(200);
            writeAndRead(List.of("after"));
            ((Logger) LoggerFactory.getLogger("io.dlog")).detachAppender(capture);
            ((Logger) LoggerFactory.getLogger("io.netty")).detachAppender(capture);
            System.out.printf("request fuzz: %d executions against one broker%n", EXECUTIONS.get());
            assertThat(TRACES).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
        } finally {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
            DLOG.afterAll(null);
        }
    }

    /**
     * Has Netty report, before this class starts listening, the leaks of buffers that earlier test classes in this
     * JVM dropped (a leak is reported only at some later allocation after the buffer was collected), so that what
     * this class counts is its own. Those reports still reach the log.
     */
    private static void reportEarlierLeaks() throws InterruptedException {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // every allocation below looks
        try {
            System.gc();
            Thread.sleep(200);
            for (int i = 0; i < 4; i++) {
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
                io.netty.buffer.PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            }
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    // ------------------------------------------------------------------ properties

    @Property
    void shouldAnswerOrCloseForAnyMutatedRequest(@ForAll("seedIndexes") int seedIndex,
                                                @ForAll("mutations") List<Mutation> mutations) throws Exception {
        Seed seed = seeds.get(seedIndex % seeds.size());
        byte[] body = seed.body().clone();
        for (Mutation mutation : mutations) {
            body = mutation.apply(body);
        }
        tryRequest(seed.api(), seed.version(), body);
    }

    @Property
    void shouldAnswerOrCloseForAnyMutatedRecordBatch(@ForAll("batches") byte[] batch,
                                                    @ForAll("topicChoice") int topicChoice,
                                                    @ForAll("batchMutations") List<BatchMutation> mutations,
                                                    @ForAll boolean fixCrc) throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(batch.clone());
        for (BatchMutation mutation : mutations) {
            bytes = mutation.apply(bytes);
        }
        if (fixCrc && bytes.limit() >= 61) {
            CRC32C crc = new CRC32C();
            crc.update(bytes.array(), 21, bytes.limit() - 21);
            bytes.putInt(17, (int) crc.getValue());
        }
        String topic = List.of(plain, compacted, recompressing).get(topicChoice);
        short version = 9;
        ProduceRequestData produce = produce(topic, bytes.array(), (short) -1);
        tryRequest(ApiKeys.PRODUCE, version, serialize(produce, version));
    }

    private static void tryRequest(ApiKeys api, short version, byte[] body) throws Exception {
        EXECUTIONS.incrementAndGet();
        int before = TRACES.size();
        Probe.Outcome outcome = probe.exchange(api, version, body);
        if (outcome == Probe.Outcome.TIMED_OUT) {
            assertThat(MAY_WAIT).as("%s v%d answered neither within %d ms nor closed", api, version, ANSWER_WITHIN_MS)
                    .contains(api);
        }
        assertThat(TRACES.subList(before, TRACES.size())).as("%s v%d", api, version)
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<Integer> seedIndexes() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE);
    }

    @Provide
    Arbitrary<Integer> topicChoice() {
        return Arbitraries.integers().between(0, 2);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.of(Mutation.Kind.values()),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<BatchMutation>> batchMutations() {
        Arbitrary<BatchMutation> one = Combinators.combine(Arbitraries.of(BatchMutation.Field.values()),
                Arbitraries.longs(), Arbitraries.doubles().between(0, 1)).as(BatchMutation::new);
        return one.list().ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<byte[]> batches() {
        List<byte[]> valid = new ArrayList<>();
        for (Compression compression : List.of(Compression.NONE, Compression.gzip().build(),
                Compression.snappy().build(), Compression.lz4().build(), Compression.zstd().build())) {
            SimpleRecord[] records = {
                new SimpleRecord(System.currentTimeMillis(), "k1".getBytes(StandardCharsets.UTF_8),
                        "value-one".repeat(5).getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(System.currentTimeMillis(), "k2".getBytes(StandardCharsets.UTF_8),
                        "value-two".getBytes(StandardCharsets.UTF_8),
                        new org.apache.kafka.common.header.internals.RecordHeader[] {
                            new org.apache.kafka.common.header.internals.RecordHeader("h", new byte[] {1, 2})})};
            ByteBuffer buffer = MemoryRecords.withRecords(compression, records).buffer();
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            valid.add(copy);
        }
        return Arbitraries.of(valid);
    }

    /** A byte-level change to a request body. */
    record Mutation(Kind kind, double where, int value) {
        enum Kind { FLIP_BIT, SET_BYTE, SET_INT16, SET_INT32, TRUNCATE, INSERT, DUPLICATE }

        private static final int[] BOUNDARIES = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, Short.MAX_VALUE,
            Short.MIN_VALUE, 0x7f, 0x80, 0xff, 0xffff, 1 << 20, -2};

        byte[] apply(byte[] body) {
            if (body.length == 0) {
                return kind == Kind.INSERT ? new byte[] {(byte) value} : body;
            }
            int at = (int) Math.min(body.length - 1, Math.floor(where * body.length));
            ByteBuffer out = ByteBuffer.wrap(body);
            int boundary = BOUNDARIES[Math.floorMod(value, BOUNDARIES.length)];
            switch (kind) {
                case FLIP_BIT -> body[at] ^= (byte) (1 << Math.floorMod(value, 8));
                case SET_BYTE -> body[at] = (byte) value;
                case SET_INT16 -> {
                    if (at + 2 <= body.length) {
                        out.putShort(at, (short) boundary);
                    }
                }
                case SET_INT32 -> {
                    if (at + 4 <= body.length) {
                        out.putInt(at, boundary);
                    }
                }
                case TRUNCATE -> {
                    return java.util.Arrays.copyOf(body, at);
                }
                case INSERT -> {
                    byte[] longer = new byte[body.length + 1];
                    System.arraycopy(body, 0, longer, 0, at);
                    longer[at] = (byte) value;
                    System.arraycopy(body, at, longer, at + 1, body.length - at);
                    return longer;
                }
                case DUPLICATE -> {
                    int length = Math.min(body.length - at, 1 + Math.floorMod(value, 16));
                    byte[] longer = new byte[body.length + length];
                    System.arraycopy(body, 0, longer, 0, at + length);
                    System.arraycopy(body, at, longer, at + length, body.length - at);
                    return longer;
                }
                default -> throw new IllegalStateException();
            }
            return body;
        }
    }

    /** A change to one field of a RecordBatch v2 (or to its records' bytes). */
    record BatchMutation(Field field, long value, double where) {
        enum Field {
            LENGTH(8, 4), MAGIC(16, 1), ATTRIBUTES(21, 2), LAST_OFFSET_DELTA(23, 4), BASE_TIMESTAMP(27, 8),
            MAX_TIMESTAMP(35, 8), PRODUCER_ID(43, 8), PRODUCER_EPOCH(51, 2), BASE_SEQUENCE(53, 4),
            RECORD_COUNT(57, 4), RECORD_BYTE(-1, 1), RECORD_VARINT(-2, 1), TRUNCATE(-3, 0), APPEND(-4, 0);

            final int offset;
            final int width;

            Field(int offset, int width) {
                this.offset = offset;
                this.width = width;
            }
        }

        private static final long[] SMALL = {0, -1, 1, 2, -2, 61, 62, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE};

        ByteBuffer apply(ByteBuffer batch) {
            int limit = batch.limit();
            long v = Math.floorMod(value, 3) == 0 ? SMALL[Math.floorMod(value, SMALL.length)] : value;
            if (field.offset >= 0) {
                if (field.offset + field.width <= limit) {
                    switch (field.width) {
                        case 1 -> batch.put(field.offset, (byte) v);
                        case 2 -> batch.putShort(field.offset, (short) v);
                        case 4 -> batch.putInt(field.offset, (int) v);
                        default -> batch.putLong(field.offset, v);
                    }
                }
                return batch;
            }
            int records = Math.min(61, limit);
            int at = records + (int) Math.floor(where * Math.max(0, limit - records));
            switch (field) {
                case RECORD_BYTE -> {
                    if (at < limit) {
                        batch.put(at, (byte) v);
                    }
                }
                case RECORD_VARINT -> {
                    // A run of continuation bytes: a varint that never ends or overflows.
                    for (int i = at; i < Math.min(limit, at + 1 + Math.floorMod(value, 10)); i++) {
                        batch.put(i, (byte) 0xff);
                    }
                }
                case TRUNCATE -> {
                    return ByteBuffer.wrap(java.util.Arrays.copyOf(batch.array(), Math.max(0, at)));
                }
                case APPEND -> {
                    byte[] longer = java.util.Arrays.copyOf(batch.array(), limit + 1 + Math.floorMod(value, 64));
                    return ByteBuffer.wrap(longer);
                }
                default -> throw new IllegalStateException();
            }
            return batch;
        }
    }

    // ------------------------------------------------------------------ seeds

    /** One valid request per served API key and version; richer ones where topics matter. */
    private static List<Seed> seeds(Map<ApiKeys, short[]> served) {
        List<Seed> result = new ArrayList<>();
        served.forEach((api, range) -> {
            if (NOT_FUZZED.contains(api)) {
                return;
            }
            for (short version = range[0]; version <= range[1]; version++) {
                ApiMessage body = example(api, version);
                try {
                    result.add(new Seed(api, version, serialize(body, version)));
                } catch (RuntimeException e) {
                    // The default message is not writable at this version (a field it lacks): skip it.
                }
            }
        });
        return result;
    }

    private static ApiMessage example(ApiKeys api, short version) {
        return switch (api) {
            case PRODUCE -> produce(plain, validBatch(), (short) 1);
            case FETCH -> new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                    .setSessionEpoch(-1).setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(plain)
                            .setTopicId(org.apache.kafka.common.Uuid.ZERO_UUID)
                            .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(0)
                                    .setPartitionMaxBytes(1 << 20)))));
            case METADATA -> new MetadataRequestData().setTopics(version >= 10 ? List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName(plain)) : List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName(plain)));
            case LIST_OFFSETS -> new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName(plain).setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
            case API_VERSIONS -> new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1");
            default -> ApiMessageType.fromApiKey(api.id).newRequest();
        };
    }

    private static byte[] validBatch() {
        ByteBuffer buffer = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("seed".getBytes(StandardCharsets.UTF_8))).buffer();
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }

    private static ProduceRequestData produce(String topic, byte[] batch, short acks) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(ByteBuffer.wrap(batch))))));
        return new ProduceRequestData().setAcks(acks).setTimeoutMs(5_000).setTopicData(topics);
    }

    private static byte[] serialize(ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buffer = ByteBuffer.allocate(body.size(cache, version));
        body.write(new ByteBufferAccessor(buffer), cache, version);
        return buffer.array();
    }

    // ------------------------------------------------------------------ the health check

    private static void writeAndRead(List<String> values) throws Exception {
        TopicPartition canary = new TopicPartition(plain, 1);
        try (KafkaProducer<String, String> producer = io.dlog.compat.clients.Clients.stringProducer(DLOG.bootstrapServers())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(canary.topic(), 1, null, value)).get();
            }
        }
        try (KafkaConsumer<String, String> consumer = io.dlog.compat.clients.Clients.stringConsumer(DLOG.bootstrapServers())) {
            consumer.assign(List.of(canary));
            consumer.seekToEnd(List.of(canary));
            long end = consumer.position(canary);
            consumer.seek(canary, end - values.size());
            List<ConsumerRecord<String, String>> read = io.dlog.compat.clients.Clients.readFromBeginning(consumer,
                    List.of(canary), (int) end);
            assertThat(read).extracting(ConsumerRecord::value).endsWith(values.toArray(String[]::new));
        }
    }

    // ------------------------------------------------------------------ the wire

    /**
     * One connection, reopened whenever the broker closes it. Each exchange sends the fuzzed request and
     * then an ApiVersions probe, and reads until the probe's answer (the fuzzed request may lawfully get
     * none: acks=0) or until the connection closes.
     */
    static final class Probe implements AutoCloseable {
        enum Outcome { ANSWERED, CLOSED, TIMED_OUT }

        private final int port;
        private Socket socket;
        private DataInputStream in;
        private OutputStream out;
        private int correlationId;

        Probe(int port) throws IOException {
            this.port = port;
            open();
        }

        private void open() throws IOException {
            if (socket != null) {
                socket.close();
            }
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(ANSWER_WITHIN_MS);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        Map<ApiKeys, short[]> servedVersions() throws IOException {
            int id = send(ApiKeys.API_VERSIONS, (short) 3, serialize(new ApiVersionsRequestData()
                    .setClientSoftwareName("fuzz").setClientSoftwareVersion("1"), (short) 3));
            ByteBufferAccessor body = readUntil(id, ApiKeys.API_VERSIONS.responseHeaderVersion((short) 3));
            ApiVersionsResponseData response = new ApiVersionsResponseData(body, (short) 3);
            Map<ApiKeys, short[]> served = new java.util.TreeMap<>();
            for (ApiVersionsResponseData.ApiVersion api : response.apiKeys()) {
                if (ApiKeys.hasId(api.apiKey())) {
                    served.put(ApiKeys.forId(api.apiKey()), new short[] {api.minVersion(), api.maxVersion()});
                }
            }
            return served;
        }

        Outcome exchange(ApiKeys api, short version, byte[] body) throws IOException {
            try {
                send(api, version, body);
                int probeId = send(ApiKeys.API_VERSIONS, (short) 0, new byte[0]);
                return readUntil(probeId, (short) 0) == null ? Outcome.CLOSED : Outcome.ANSWERED;
            } catch (SocketTimeoutException e) {
                open();
                return Outcome.TIMED_OUT;
            } catch (IOException e) {
                open();
                return Outcome.CLOSED;
            }
        }

        private int send(ApiKeys api, short version, byte[] body) throws IOException {
            int id = ++correlationId;
            RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                    .setCorrelationId(id).setClientId("fuzz");
            short headerVersion = api.requestHeaderVersion(version);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int headerSize = header.size(cache, headerVersion);
            ByteBuffer frame = ByteBuffer.allocate(4 + headerSize + body.length);
            frame.putInt(headerSize + body.length);
            header.write(new ByteBufferAccessor(frame), cache, headerVersion);
            frame.put(body);
            out.write(frame.array());
            out.flush();
            return id;
        }

        /** Reads responses until the one for {@code id}; null if the connection closed first. */
        private ByteBufferAccessor readUntil(int id, short headerVersion) throws IOException {
            while (true) {
                int size;
                try {
                    size = in.readInt();
                } catch (java.io.EOFException e) {
                    open();
                    return null;
                }
                byte[] bytes = new byte[size];
                in.readFully(bytes);
                ByteBufferAccessor accessor = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
                // Every response header starts with the correlation id.
                int answered = ByteBuffer.wrap(bytes).getInt(0);
                if (answered == id) {
                    new ResponseHeaderData(accessor, headerVersion);
                    return accessor;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
