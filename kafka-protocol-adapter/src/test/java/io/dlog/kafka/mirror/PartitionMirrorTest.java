package io.dlog.kafka.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.log.FetchSlice;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mirror partition turns fetched source batches into follower appends at the source's offsets. */
class PartitionMirrorTest {
    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionLog log;
    private PartitionMirror mirror;

    @BeforeEach
    void open() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        log = logs.getOrCreate(new TopicPartition("m", 0), LogConfig.DEFAULT);
        mirror = new PartitionMirror(log);
    }

    @AfterEach
    void close() throws Exception {
        logs.close();
    }

    /** One source batch of {@code values} at {@code baseOffset} (as a source broker stores it). */
    private static ByteBuffer batch(long baseOffset, String... values) {
        SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(1_700_000_000_000L, ("k" + i).getBytes(), values[i].getBytes());
        }
        return MemoryRecords.withRecords(baseOffset, Compression.NONE, records).buffer();
    }

    private static MemoryRecords response(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        return MemoryRecords.readableRecords(all.flip());
    }

    /** Offset=value of every record in the local log. */
    private List<String> localRecords() throws Exception {
        FetchSlice slice = log.read(log.logStartOffset(), Integer.MAX_VALUE, log.highWatermark(), true);
        ByteBuffer bytes = ByteBuffer.allocate(slice.length());
        slice.channel().read(bytes, slice.position());
        List<String> out = new ArrayList<>();
        for (MutableRecordBatch b : MemoryRecords.readableRecords(bytes.flip()).batches()) {
            for (Record r : b) {
                byte[] v = new byte[r.valueSize()];
                r.value().get(v);
                out.add(r.offset() + "=" + new String(v));
            }
        }
        return out;
    }

    @Test
    void shouldKeepSourceOffsetsAcrossTheGapsACleanerLeft() throws Exception {
        // Given a source log whose cleaner removed offsets 0-2 and 5-8 entirely
        MemoryRecords fetched = response(batch(3, "a", "b"), batch(9, "c"));

        // When the mirror appends the fetch
        int bytes = mirror.onRecords(fetched, 0);

        // Then every record sits at its source offset and the log ends where the source's does
        assertThat(bytes).isEqualTo(fetched.sizeInBytes());
        assertThat(localRecords()).containsExactly("3=a", "4=b", "9=c");
        assertThat(log.logEndOffset()).isEqualTo(10);
        assertThat(mirror.fetchOffset()).isEqualTo(10);
    }

    @Test
    void shouldStartAtTheSourcesLogStartEvenInsideABatch() throws Exception {
        // Given a source whose DeleteRecords moved its log start to 6, inside the batch 5-7
        mirror.onOffsetOutOfRange(6, 8);
        assertThat(log.logEndOffset()).isEqualTo(6);

        // When the source returns that whole batch
        mirror.onRecords(response(batch(5, "x", "y", "z")), 6);

        // Then the batch is kept whole and the log starts at 6, as the source's does
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(log.logEndOffset()).isEqualTo(8);
        assertThat(localRecords()).contains("6=y", "7=z");
    }

    @Test
    void shouldSkipWhatItHasAndFollowTheSourcesLogStart() throws Exception {
        // Given a mirror holding offsets 0-3
        mirror.onRecords(response(batch(0, "a", "b"), batch(2, "c", "d")), 0);

        // When a fetch repeats the last batch and the source deleted records before 2
        mirror.onRecords(response(batch(2, "c", "d"), batch(4, "e")), 2);

        // Then nothing is appended twice and the log start follows
        assertThat(localRecords()).containsExactly("2=c", "3=d", "4=e");
        assertThat(log.logStartOffset()).isEqualTo(2);
    }

    @Test
    void shouldRefuseASourceThatEndsBeforeTheMirror() throws Exception {
        // Given a mirror holding offsets 0-1, When the source says its log now ends at 1
        mirror.onRecords(response(batch(0, "a", "b")), 0);

        // Then the mirror stops rather than guess (the source lost data or was re-created)
        assertThatThrownBy(() -> mirror.onOffsetOutOfRange(0, 1)).isInstanceOf(IOException.class)
                .hasMessageContaining("source partition ends at 1");
        assertThat(log.logEndOffset()).isEqualTo(2);
    }
}
