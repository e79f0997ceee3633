package io.dlog.kafka.handlers.produce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class RecordsValidatorTest {

    @Test
    void shouldKeepTheProducersBytesWhenNothingNeedsDecoding() {
        MemoryRecords records = batch(Compression.lz4().build(), "k", "v");

        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, false, "producer", Compression.NONE);

        assertThat(outcome.refusal()).isNull();
        assertThat(outcome.batches()).isEqualTo(records.buffer());
    }

    @Test
    void shouldRefuseControlBatchesFromClients() {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, 7L, (short) 1,
                new org.apache.kafka.common.record.internal.EndTransactionMarker(
                        org.apache.kafka.common.record.internal.ControlRecordType.ABORT, 0));

        RecordsValidator.Outcome outcome = RecordsValidator.validate(marker, false, "producer", Compression.NONE);

        assertThat(outcome.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void shouldRefuseANullKeyOnACompactedTopicNamingTheRecord() {
        MemoryRecords records = batch(Compression.NONE, "k1", "v1", null, "v2");

        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, true, "producer", Compression.NONE);

        assertThat(outcome.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(outcome.refusal().recordIndex()).isEqualTo(1);
    }

    @Test
    void shouldRecompressToTheTopicsCodecKeepingRecordsAndProducerFields() {
        MemoryRecords records = idempotentBatch(Compression.gzip().build(), 42L, (short) 3, 7);

        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, false, "zstd", Compression.zstd().build());

        RecordBatch batch = MemoryRecords.readableRecords(outcome.batches()).batches().iterator().next();
        assertThat(batch.compressionType()).isEqualTo(CompressionType.ZSTD);
        assertThat(batch.producerId()).isEqualTo(42L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 3);
        assertThat(batch.baseSequence()).isEqualTo(7);
        List<String> values = new ArrayList<>();
        for (Record record : batch) {
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
            assertThat(record.headers()).hasSize(1);
        }
        assertThat(values).containsExactly("a", "b", "c");
        assertThat(batch.isValid()).isTrue();
    }

    @Test
    void shouldDecompressWhenTheTopicIsUncompressed() {
        MemoryRecords records = batch(Compression.snappy().build(), "k", "v");

        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, false, "uncompressed", Compression.NONE);

        assertThat(MemoryRecords.readableRecords(outcome.batches()).batches().iterator().next().compressionType())
                .isEqualTo(CompressionType.NONE);
    }

    @Test
    void shouldRefuseTwoBatchesForOnePartition() {
        MemoryRecords first = batch(Compression.NONE, "k", "v");
        MemoryRecords second = batch(Compression.NONE, "k", "v");
        ByteBuffer both = ByteBuffer.allocate(first.sizeInBytes() + second.sizeInBytes());
        both.put(first.buffer().duplicate()).put(second.buffer().duplicate()).flip();

        RecordsValidator.Outcome outcome = RecordsValidator.validate(MemoryRecords.readableRecords(both), false,
                "producer", Compression.NONE);

        assertThat(outcome.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void shouldRefuseACompressedBatchWithARecordLargerThanMaxDecompressedMessageBytesAsKafka44Does() {
        // Given: three records of about 100, 3,000 and 50 bytes, gzip-compressed to far less than 3,000 bytes
        MemoryRecords records = batch(Compression.gzip().build(), "a", "x".repeat(100), "b", "y".repeat(3_000),
                "c", "z".repeat(50));
        int secondSize = recordSizes(records).get(1);

        // When
        RecordsValidator.Outcome tooSmall = RecordsValidator.validate(records, false, "producer", Compression.NONE, 2_000);
        RecordsValidator.Outcome exact = RecordsValidator.validate(records, false, "producer", Compression.NONE,
                secondSize);
        RecordsValidator.Outcome oneLess = RecordsValidator.validate(records, false, "producer", Compression.NONE,
                secondSize - 1);

        // Then: Kafka 4.4's InvalidRecordException, as its streaming iterator words it
        assertThat(records.sizeInBytes()).isLessThan(2_000);
        assertThat(tooSmall.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(tooSmall.refusal().message()).isEqualTo("Invalid record size: " + secondSize
                + " exceeds the configured maximum record size of 2000.");
        assertThat(exact.refusal()).isNull();
        assertThat(exact.batches()).isEqualTo(records.buffer());
        assertThat(oneLess.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void shouldCheckDecompressedRecordSizesWithEveryCodec() {
        for (Compression codec : List.of(Compression.gzip().build(), Compression.snappy().build(),
                Compression.lz4().build(), Compression.zstd().build())) {
            MemoryRecords records = batch(codec, "k", "v".repeat(5_000), "k2", "small");

            assertThat(RecordsValidator.validate(records, false, "producer", Compression.NONE, 4_000).refusal().message())
                    .as(codec.type().name).contains("exceeds the configured maximum record size of 4000");
            assertThat(RecordsValidator.validate(records, false, "producer", Compression.NONE, 6_000).refusal())
                    .as(codec.type().name).isNull();
        }
    }

    @Test
    void shouldLeaveUncompressedBatchesToMaxMessageBytesAsKafka44Does() {
        // Kafka bounds records only where it decompresses them; an uncompressed batch is bounded by max.message.bytes
        MemoryRecords records = batch(Compression.NONE, "k", "v".repeat(5_000));

        RecordsValidator.Outcome outcome = RecordsValidator.validate(records, false, "producer", Compression.NONE, 100);

        assertThat(outcome.refusal()).isNull();
        assertThat(RecordsValidator.compressed(records)).isFalse();
        assertThat(RecordsValidator.compressed(batch(Compression.lz4().build(), "k", "v"))).isTrue();
    }

    @Test
    void shouldRefuseACompressedBatchHoldingFewerRecordsThanItsHeaderCounts() {
        // Given: a gzip batch whose header's record count is raised by one, CRC recomputed so only the count lies
        MemoryRecords records = batch(Compression.gzip().build(), "k", "v1", "k", "v2");
        ByteBuffer bytes = records.buffer().duplicate();
        bytes.putInt(57, bytes.getInt(57) + 1);
        MemoryRecords lying = MemoryRecords.readableRecords(bytes);
        bytes.putInt(17, (int) org.apache.kafka.common.utils.Crc32C.compute(bytes, 21, bytes.limit() - 21));
        assertThat(lying.batches().iterator().next().isValid()).isTrue();

        // When
        RecordsValidator.Outcome outcome = RecordsValidator.validate(lying, false, "producer", Compression.NONE, 1_000);

        // Then
        assertThat(outcome.refusal().error()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(outcome.refusal().message()).contains("record count");
    }

    /** The length prefix of each record of the batch, decompressed: what max.decompressed.message.bytes bounds. */
    private static List<Integer> recordSizes(MemoryRecords records) {
        List<Integer> sizes = new ArrayList<>();
        for (Record record : records.records()) {
            int body = record.sizeInBytes();
            while (body + org.apache.kafka.common.utils.ByteUtils.sizeOfVarint(body) > record.sizeInBytes()) {
                body--;
            }
            sizes.add(body);
        }
        return sizes;
    }

    private static MemoryRecords batch(Compression compression, String... keyValues) {
        List<SimpleRecord> records = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            records.add(new SimpleRecord(1_000L + i, bytes(keyValues[i]), bytes(keyValues[i + 1])));
        }
        return MemoryRecords.withRecords(compression, records.toArray(SimpleRecord[]::new));
    }

    private static MemoryRecords idempotentBatch(Compression compression, long producerId, short epoch, int sequence) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                compression, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, epoch, sequence,
                false, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (String value : new String[] {"a", "b", "c"}) {
            builder.append(5_000L, bytes("key"), bytes(value),
                    new org.apache.kafka.common.header.Header[] {new RecordHeader("h", bytes("x"))});
        }
        return builder.build();
    }

    private static byte[] bytes(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }
}
