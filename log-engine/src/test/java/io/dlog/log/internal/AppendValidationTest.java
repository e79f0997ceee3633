package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static org.assertj.core.api.Assertions.assertThat;

class AppendValidationTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private LogManager manager;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        manager = LogTestSupport.open(dir, clock, LogConfig.DEFAULT);
        log = manager.getOrCreate(new TopicPartition("t", 0), LogConfig.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
    }

    private AppendError errorOf(ByteBuffer batches) throws Exception {
        AppendResult r = append(log, batches);
        return r.error();
    }

    @Test
    void shouldRejectBadMagic() throws Exception {
        ByteBuffer b = TestBatches.of("a").timestamp(T0).build();
        b.put(BatchFormat.MAGIC, (byte) 1);
        assertThat(errorOf(b)).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }

    @Test
    void shouldRejectBadCrc() throws Exception {
        ByteBuffer b = TestBatches.of("a").timestamp(T0).build();
        b.put(b.limit() - 1, (byte) (b.get(b.limit() - 1) ^ 1));
        assertThat(errorOf(b)).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }

    @Test
    void shouldRejectLengthInconsistentWithBuffer() throws Exception {
        ByteBuffer b = TestBatches.of("a").timestamp(T0).build();
        b.putInt(BatchFormat.LENGTH, b.limit());
        assertThat(errorOf(b)).isEqualTo(AppendError.CORRUPT_MESSAGE);
        ByteBuffer truncated = TestBatches.of("a").timestamp(T0).build();
        truncated.limit(40);
        assertThat(errorOf(truncated)).isEqualTo(AppendError.CORRUPT_MESSAGE);
        assertThat(errorOf(ByteBuffer.allocate(0))).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }

    @Test
    void shouldRejectRecordCountDisagreeingWithLastOffsetDelta() throws Exception {
        ByteBuffer b = TestBatches.of("a", "b").timestamp(T0).build();
        b.putInt(BatchFormat.LAST_OFFSET_DELTA, 5);
        BatchFormat.writeCrc(b, 0, b.limit());
        assertThat(errorOf(b)).isEqualTo(AppendError.CORRUPT_MESSAGE);
    }

    @Test
    void shouldRejectBatchLargerThanMaxMessageBytes() throws Exception {
        LogConfig small = new LogConfig(1 << 20, Long.MAX_VALUE, 1 << 20, 4096, -1, -1, 100, false, true, false,
                Long.MAX_VALUE, Long.MAX_VALUE, io.dlog.log.FlushMode.OS, 1000);
        log.updateConfig(small);
        assertThat(errorOf(TestBatches.of("x".repeat(200)).timestamp(T0).build()))
                .isEqualTo(AppendError.MESSAGE_TOO_LARGE);
    }

    @Test
    void shouldRejectAppendLargerThanSegment() throws Exception {
        log.updateConfig(LogConfig.DEFAULT.withSegmentBytes(150));
        ByteBuffer two = TestBatches.concat(TestBatches.of("x".repeat(50)).timestamp(T0).build(),
                TestBatches.of("y".repeat(50)).timestamp(T0).build());
        assertThat(errorOf(two)).isEqualTo(AppendError.RECORD_LIST_TOO_LARGE);
    }

    @Test
    void shouldRejectTimestampsOutsideTheWindow() throws Exception {
        assertThat(errorOf(TestBatches.of("a").timestamp(T0 + 2 * 3_600_000L).build()))
                .isEqualTo(AppendError.INVALID_TIMESTAMP);
        LogConfig strict = new LogConfig(1 << 30, Long.MAX_VALUE, 1 << 20, 4096, -1, -1, 1 << 20, false, true,
                false, 1000, 1000, io.dlog.log.FlushMode.OS, 1000);
        log.updateConfig(strict);
        assertThat(errorOf(TestBatches.of("a").timestamp(T0 - 5000).build())).isEqualTo(AppendError.INVALID_TIMESTAMP);
        assertThat(errorOf(TestBatches.of("a").timestamp(T0 - 500).build())).isNull();
    }

    @Test
    void shouldRejectNullKeysOnCompactedTopics() throws Exception {
        LogConfig compact = new LogConfig(1 << 30, Long.MAX_VALUE, 1 << 20, 4096, -1, -1, 1 << 20, true, false,
                false, Long.MAX_VALUE, Long.MAX_VALUE, io.dlog.log.FlushMode.OS, 1000);
        log.updateConfig(compact);
        assertThat(errorOf(TestBatches.of("a").nullKeys().timestamp(T0).build())).isEqualTo(AppendError.INVALID_RECORD);
        assertThat(errorOf(TestBatches.of("a").timestamp(T0).build())).isNull();
    }

    @Test
    void shouldWriteNothingWhenAnyBatchOfTheRequestIsInvalid() throws Exception {
        ByteBuffer bad = TestBatches.of("b").timestamp(T0).build();
        bad.put(BatchFormat.MAGIC, (byte) 0);
        ByteBuffer request = TestBatches.concat(TestBatches.of("a").timestamp(T0).build(), bad);
        assertThat(errorOf(request)).isEqualTo(AppendError.CORRUPT_MESSAGE);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.sizeInBytes()).isZero();
    }

    @Test
    void shouldStampLogAppendTimeAndKeepCrcValid() throws Exception {
        LogConfig lat = new LogConfig(1 << 30, Long.MAX_VALUE, 1 << 20, 4096, -1, -1, 1 << 20, false, true,
                true, Long.MAX_VALUE, 0, io.dlog.log.FlushMode.OS, 1000);
        log.updateConfig(lat);
        AppendResult r = append(log, TestBatches.of("a").timestamp(5).build(), 7);
        assertThat(r.logAppendTime()).isEqualTo(T0);
        ByteBuffer stored = LogTestSupport.bytes(log.read(0, 1000, Long.MAX_VALUE, true));
        assertThat(BatchFormat.maxTimestamp(stored, 0)).isEqualTo(T0);
        assertThat(BatchFormat.attributes(stored, 0) & BatchFormat.TIMESTAMP_TYPE_BIT).isNotZero();
        assertThat(BatchFormat.storedCrc(stored, 0)).isEqualTo(BatchFormat.computeCrc(stored, 0, stored.limit()));
        assertThat(stored.getInt(BatchFormat.PARTITION_LEADER_EPOCH)).isEqualTo(7);
    }
}
