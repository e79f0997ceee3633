package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;
import io.dlog.log.CleanerConfig;
import io.dlog.log.CommittedRead;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.RecordsCodec;
import io.dlog.log.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The cleaner and transactions: aborted data removed, markers kept while needed, never past the LSO. */
class CleanerTransactionsTest {
    private static final TopicPartition TP = new TopicPartition("txn-compacted", 0);
    private static final long DAY = 24L * 60 * 60 * 1000;
    private static final CleanerConfig OFF = new CleanerConfig(false, 1, 1 << 20, 0.9, Double.MAX_VALUE, 100,
            RecordsCodec.UNCOMPRESSED_ONLY);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(T0);
    private final LogConfig config = LogConfig.DEFAULT.withCompaction(true, false, DAY, 0, Long.MAX_VALUE, 0.01);
    private LogManager manager;
    private DefaultPartitionLog log;

    @BeforeEach
    void open() throws Exception {
        manager = LogManager.open(new LogManagerConfig(dir, Duration.ofHours(1), Duration.ofMillis(2), 1,
                Duration.ofDays(7), OFF), clock, t -> config);
        log = (DefaultPartitionLog) manager.getOrCreate(TP, config);
    }

    @AfterEach
    void close() throws Exception {
        manager.close();
    }

    private void append(ByteBuffer batch) throws Exception {
        assertThat(LogTestSupport.append(log, batch).succeeded()).isTrue();
    }

    private void marker(long pid, boolean commit) throws Exception {
        append(TestBatches.marker(pid, 0, commit, 0).timestamp(clock.millis()).build());
    }

    private void roll() throws Exception {
        log.onWriter(() -> {
            log.roll();
            return null;
        }).get();
    }

    private LogCleaner.Result fullClean() throws Exception {
        Files.deleteIfExists(log.dir().resolve(LogCleaner.CHECKPOINT_FILE));
        LogCleaner cleaner = new LogCleaner(OFF, clock, () -> List.of(log));
        LogCleaner.Candidate c = cleaner.candidate(log, clock.millis());
        return c == null ? null : cleaner.clean(c, new OffsetMap(1 << 16, 0.9));
    }

    private List<String> committed() throws Exception {
        CommittedRead read = log.readCommitted(log.logStartOffset(), Integer.MAX_VALUE, true);
        ByteBuffer bytes = LogTestSupport.bytes(read.slice());
        List<String> out = new ArrayList<>();
        for (KeyedRecords.Rec r : KeyedRecords.read(bytes)) {
            boolean aborted = false;
            for (AbortedTransaction t : read.aborted()) {
                aborted |= r.offset() >= t.firstOffset() && r.offset() <= t.lastOffset() && t.producerId() == 5;
            }
            if (!aborted) {
                out.add(r.toString());
            }
        }
        return out;
    }

    private List<Long> markerOffsets() throws Exception {
        ByteBuffer bytes = LogCleanerTest.allBytes(log);
        List<Long> out = new ArrayList<>();
        for (int at = 0; at < bytes.limit(); at += BatchFormat.totalSize(bytes, at)) {
            if (BatchFormat.isControl(bytes, at)) {
                out.add(BatchFormat.baseOffset(bytes, at));
            }
        }
        return out;
    }

    @Test
    void shouldRemoveAbortedDataThenTheAbortMarkerAfterItsHorizon() throws Exception {
        append(KeyedRecords.txnBatch(5, (short) 0, 0, clock.millis(), "a=aborted", "b=aborted")); // 0-1
        marker(5, false);                                                                       // 2
        append(KeyedRecords.txnBatch(5, (short) 0, 2, clock.millis(), "c=committed"));          // 3
        marker(5, true);                                                                        // 4
        append(KeyedRecords.batch(clock.millis(), "a=plain"));                                  // 5
        roll();
        append(KeyedRecords.batch(clock.millis(), "z=active"));                                 // 6
        List<String> before = committed();

        // first clean: the aborted batch goes; its marker stays (its data was met) and stays indexed
        fullClean();
        assertThat(LogCleanerTest.readAll(log))
                .extracting(KeyedRecords.Rec::toString).containsExactly("3:c=committed", "5:a=plain", "6:z=active");
        assertThat(markerOffsets()).containsExactly(2L, 4L);
        assertThat(log.abortedTransactions(0, 7)).extracting(AbortedTransaction::firstOffset).containsExactly(0L);
        assertThat(committed()).isEqualTo(before);

        // second clean: no data left for the abort: the marker gets a horizon
        fullClean();
        ByteBuffer abortMarker = LogTestSupport.bytes(log.read(2, 1, Long.MAX_VALUE, true));
        assertThat(BatchFormat.baseOffset(abortMarker, 0)).isEqualTo(2);
        assertThat(BatchFormat.attributes(abortMarker, 0) & SegmentCleaner.DELETE_HORIZON_BIT).isNotZero();
        assertThat(BatchFormat.marker(abortMarker, 0, abortMarker.limit())[0]).isEqualTo(BatchFormat.CONTROL_ABORT);
        assertThat(markerOffsets()).containsExactly(2L, 4L);

        // after the horizon the abort marker goes; the commit marker stays while its transaction has data
        clock.advance(DAY + 1);
        fullClean();
        assertThat(markerOffsets()).containsExactly(4L);
        assertThat(committed()).isEqualTo(before);
    }

    @Test
    void shouldNotCleanAtOrAboveTheLastStableOffset() throws Exception {
        append(KeyedRecords.batch(clock.millis(), "k=1"));                                      // 0
        append(KeyedRecords.txnBatch(9, (short) 0, 0, clock.millis(), "k=open"));               // 1, still open
        append(KeyedRecords.batch(clock.millis(), "k=2"));                                      // 2
        roll();
        append(KeyedRecords.batch(clock.millis(), "k=3"));                                      // 3
        roll();
        append(KeyedRecords.batch(clock.millis(), "x=active"));                                 // 4
        assertThat(log.lastStableOffset()).isEqualTo(1);

        fullClean();

        // only offset 0 lies below the LSO; k=1 is its key's latest there, so everything stays
        assertThat(LogCleanerTest.readAll(log))
                .extracting(KeyedRecords.Rec::toString).containsExactly("0:k=1", "1:k=open", "2:k=2", "3:k=3", "4:x=active");
    }
}
