package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Record batches no Kafka producer writes: codec ids 5-7, negative or too-small lengths, counts that lie,
 * compressed payloads that do not decompress. Each is answered with the partition error Kafka gives,
 * logs one line at most and no stack trace, and the broker keeps serving and keeps every earlier record.
 */
class BadRecordBatchTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final short PRODUCE_VERSION = 9;
    private static final int ATTRIBUTES = 21;
    private static final int RECORD_COUNT = 57;
    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before-1");
    }

    @AfterEach
    void brokerStillServesAndKeepsEverything() throws Exception {
        health.assertServesAndKeepsEverything();
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 6, 7})
    void shouldAnswerUnsupportedCompressionTypeForAnUnknownCodecId(int codec) throws Exception {
        // Given: a well-formed batch whose attributes name codec 5, 6 or 7, with its CRC fixed up
        ByteBuffer batch = batch("odd-codec");
        batch.putShort(ATTRIBUTES, (short) ((batch.getShort(ATTRIBUTES) & ~0x07) | codec));
        fixCrc(batch);

        // When / Then
        assertRefusedQuietly(health.canary().topic(), batch, Errors.UNSUPPORTED_COMPRESSION_TYPE);
    }

    @Test
    void shouldAnswerUnsupportedCompressionTypeForAnUnknownCodecIdOnATopicThatRecompresses() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("compression.type", "lz4"));
        ByteBuffer batch = batch("odd-codec");
        batch.putShort(ATTRIBUTES, (short) ((batch.getShort(ATTRIBUTES) & ~0x07) | 6));
        fixCrc(batch);

        assertRefusedQuietly(topic, batch, Errors.UNSUPPORTED_COMPRESSION_TYPE);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, -12, Integer.MIN_VALUE, 0, 10, 48})
    void shouldAnswerCorruptMessageForABatchLengthThatIsNegativeOrTooSmall(int length) throws Exception {
        ByteBuffer batch = batch("bad-length");
        batch.putInt(8, length);

        assertRefusedQuietly(health.canary().topic(), batch, Errors.CORRUPT_MESSAGE);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 2, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void shouldAnswerCorruptMessageForARecordCountThatLies(int count) throws Exception {
        ByteBuffer batch = batch("bad-count");
        batch.putInt(RECORD_COUNT, count);
        fixCrc(batch);

        assertRefusedQuietly(health.canary().topic(), batch, Errors.CORRUPT_MESSAGE);
    }

    @Test
    void shouldAnswerCorruptMessageForRecordsShorterThanABatchHeader() throws Exception {
        assertRefusedQuietly(health.canary().topic(), ByteBuffer.wrap(new byte[20]), Errors.CORRUPT_MESSAGE);
    }

    @Test
    void shouldAnswerCorruptMessageForAGzipBatchThatDoesNotDecompressOnACompactedTopic() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));
        assertRefusedQuietly(topic, garbageGzipBatch(), Errors.CORRUPT_MESSAGE);
    }

    @ParameterizedTest
    @ValueSource(ints = {-209, -1, 2_063_597_615})
    void shouldAnswerCorruptMessageForASnappyBatchWithABadChunkSize(int chunkSize) throws Exception {
        // Given: a real snappy batch whose first chunk size (after xerial's 16-byte stream header) lies;
        // snappy-java reports that with SnappyError, an Error, which used to close the connection.
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));
        byte[] value = "snappy".repeat(20).getBytes(StandardCharsets.UTF_8);
        ByteBuffer snappy = MemoryRecords.withRecords(Compression.snappy().build(), new SimpleRecord(value, value)).buffer();
        ByteBuffer batch = ByteBuffer.allocate(snappy.remaining()).put(snappy.duplicate()).flip();
        batch.putInt(61 + 16, chunkSize);
        fixCrc(batch);

        assertRefusedQuietly(topic, batch, Errors.CORRUPT_MESSAGE);
    }

    @Test
    void shouldRefuseASnappyBombWithoutDecompressingIt() throws Exception {
        // Given: a 120-byte batch whose raw snappy block announces 500 MiB (snappy-java would allocate it)
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));
        ByteBuffer batch = garbageGzipBatch();
        batch.putShort(ATTRIBUTES, (short) ((batch.getShort(ATTRIBUTES) & ~0x07) | 2));
        int length = 500 << 20;
        batch.position(61);
        batch.put((byte) (length & 0x7f | 0x80)).put((byte) (length >>> 7 & 0x7f | 0x80))
                .put((byte) (length >>> 14 & 0x7f | 0x80)).put((byte) (length >>> 21 & 0x7f | 0x80))
                .put((byte) (length >>> 28)).position(0);
        fixCrc(batch);

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            ProduceResponseData.PartitionProduceResponse refused = produce(connection, topic, batch);

            assertThat(refused.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());
            assertThat(refused.errorMessage()).contains("announces");
        }
    }

    @Test
    void shouldAnswerCorruptMessageForAGzipBatchThatDoesNotDecompressOnATopicThatRecompresses() throws Exception {
        String topic = DLOG.newTopic(1, Map.of("compression.type", "lz4"));
        assertRefusedQuietly(topic, garbageGzipBatch(), Errors.CORRUPT_MESSAGE);
    }

    @Test
    void shouldAnswerCorruptMessageForTrailingBytesAfterTheBatch() throws Exception {
        ByteBuffer good = batch("trailing");
        ByteBuffer longer = ByteBuffer.allocate(good.remaining() + 7);
        longer.put(good.duplicate()).put(new byte[] {0, 0, 0, 0, 0, 0, 1}).flip();

        assertRefusedQuietly(health.canary().topic(), longer, Errors.CORRUPT_MESSAGE);
    }

    private static void assertRefusedQuietly(String topic, ByteBuffer records, Errors expected) throws Exception {
        try (LogCapture log = LogCapture.open();
             RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            ProduceResponseData.PartitionProduceResponse refused = produce(connection, topic, records);

            // Then: the partition's error, and at most one concise line in the log
            assertThat(refused.errorCode()).as(refused.toString()).isEqualTo(expected.code());
            assertThat(log.withStackTraces()).isEmpty();
            assertThat(log.events()).hasSizeLessThanOrEqualTo(1);

            // And the same connection still takes a good batch.
            if (topic.equals(health.canary().topic())) {
                assertThat(produce(connection, topic, batch("after-bad")).errorCode()).isEqualTo(Errors.NONE.code());
                health.expectAlsoStored("after-bad");
            }
        }
    }

    /** A gzip batch whose payload is noise, with a correct CRC so only decompression can tell. */
    private static ByteBuffer garbageGzipBatch() {
        ByteBuffer batch = batch("to-be-garbled", "and-more");
        batch.putShort(ATTRIBUTES, (short) ((batch.getShort(ATTRIBUTES) & ~0x07) | 1));
        for (int i = 61; i < batch.limit(); i++) {
            batch.put(i, (byte) (i * 31));
        }
        fixCrc(batch);
        return batch;
    }

    private static void fixCrc(ByteBuffer batch) {
        CRC32C crc = new CRC32C();
        ByteBuffer region = batch.duplicate();
        region.position(ATTRIBUTES);
        crc.update(region);
        batch.putInt(17, (int) crc.getValue());
    }

    private static ByteBuffer batch(String... values) {
        return RecordBatches.of(true, values);
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawConnection connection, String topic,
                                                                        ByteBuffer records) throws Exception {
        return connection.produce(topic, records, PRODUCE_VERSION);
    }
}
