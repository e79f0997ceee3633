package io.dlog.analytics;

import static io.dlog.analytics.LogFixture.append;
import static io.dlog.analytics.LogFixture.appendTransactional;
import static io.dlog.analytics.LogFixture.header;
import static io.dlog.analytics.LogFixture.marker;
import static io.dlog.analytics.LogFixture.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Columnar copies of sealed segments: a scan that reads copies returns exactly what decoding the log
 * returns (every column, projections, offset ranges, read_committed), and a copy is never used once its
 * segment changed (truncation, DeleteRecords moving the log start into it).
 */
class ColumnarCopiesTest {
    @TempDir
    Path dir;
    private LogFixture fixture;
    private BufferAllocator allocator;
    private TopicTables plain;
    private TopicTables copied;
    private ColumnarCopies copies;
    private final Map<String, Map<String, String>> configs = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeEach
    void open() throws Exception {
        fixture = new LogFixture(dir.resolve("data"));
        allocator = new RootAllocator(256L << 20);
        TopicCatalog catalog = TopicCatalog.of(fixture.logs, topic -> configs.getOrDefault(topic, Map.of()));
        copies = ColumnarCopies.open(dir.resolve("copies"), catalog, 64L << 20);
        plain = new TopicTables(catalog, 100);
        copied = new TopicTables(catalog, 100, copies);
    }

    @AfterEach
    void close() throws Exception {
        copies.close();
        fixture.close();
        allocator.close(); // fails on any buffer still held
    }

    /** Small segments: 40 batches of 25 JSON records over several sealed segments, headers on some. */
    private PartitionLog fill(String topic) throws Exception {
        PartitionLog log = fixture.partition(topic, 0, LogConfig.DEFAULT.withSegmentBytes(4 * 1024));
        for (int b = 0; b < 40; b++) {
            SimpleRecord[] batch = new SimpleRecord[25];
            for (int i = 0; i < batch.length; i++) {
                int n = b * 25 + i;
                String value = "{\"n\":" + n + ",\"country\":\"c" + (n % 7) + "\",\"amount\":" + (n * 0.5)
                        + (n % 11 == 0 ? ",\"late\":true" : "") + "}";
                batch[i] = n % 3 == 0 ? record(1000 + n, "k" + n, value, header("h", "v" + n)) : record(1000 + n, null, value);
            }
            append(log, b % 2 == 0 ? Compression.NONE : Compression.gzip().build(), batch);
        }
        assertThat(log.sealedSegments()).hasSizeGreaterThan(3);
        return log;
    }

    private List<Map<String, Object>> rows(TopicTables tables, String topic, Set<String> projection, ScanRange range)
            throws Exception {
        TableSchema table = plain.schema(topic, Optional.empty(), range.isolation());
        try (TopicArrowReader reader = tables.open(allocator, topic, table, projection, null, range)) {
            return LogFixture.rows(reader);
        }
    }

    /** Scans once (which asks for the copies and sweeps stale ones), then waits until each sealed segment has exactly one. */
    private void copyAll(String topic, PartitionLog log, ScanRange range) throws Exception {
        rows(copied, topic, null, range);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (copyFolders(topic) != log.sealedSegments().size() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(copyFolders(topic)).isEqualTo(log.sealedSegments().size());
    }

    private long copyFolders(String topic) throws Exception {
        Path partition = dir.resolve("copies").resolve(topic + "-0");
        if (!Files.isDirectory(partition)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(partition)) {
            return list.filter(p -> !p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    /** dlog.columnar.copies=false: scans decode, write no copy, and the copies the topic had are deleted. */
    @Test
    void shouldNeitherUseNorWriteCopiesOfATopicThatTurnedThemOff() throws Exception {
        PartitionLog log = fill("orders");
        copyAll("orders", log, ScanRange.ALL);
        long written = copies.copiesWritten();

        configs.put("orders", Map.of(TopicCatalog.COLUMNAR_COPIES_CONFIG, "false"));
        List<Map<String, Object>> rows = rows(copied, "orders", null, ScanRange.ALL);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (copyFolders("orders") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(rows).hasSize(1000).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        assertThat(copyFolders("orders")).isZero();
        rows(copied, "orders", Set.of("n"), ScanRange.ALL);
        assertThat(copies.copiesWritten()).isEqualTo(written);
        assertThat(copyFolders("orders")).isZero();
    }

    @Test
    void shouldReturnWhatDecodingReturnsWhenReadingCopies() throws Exception {
        PartitionLog log = fill("orders");
        copyAll("orders", log, ScanRange.ALL);
        long written = copies.copiesWritten();
        assertThat(written).isEqualTo(log.sealedSegments().size());

        assertThat(rows(copied, "orders", null, ScanRange.ALL)).hasSize(1000).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        Set<String> projection = Set.of("country", "amount");
        assertThat(rows(copied, "orders", projection, ScanRange.ALL)).isEqualTo(rows(plain, "orders", projection, ScanRange.ALL));
        // Offset ranges starting and ending inside copied segments: the copies are sliced.
        ScanRange middle = ScanRange.ALL.withOffsets(137, 811);
        assertThat(rows(copied, "orders", Set.of("n"), middle)).hasSize(811 - 137).isEqualTo(rows(plain, "orders", Set.of("n"), middle));
        assertThat(rows(copied, "orders", Set.of("n", "offset"), middle)).isEqualTo(rows(plain, "orders", Set.of("n", "offset"), middle));
        // No segment was decoded again into a new copy: the copies were found and used.
        assertThat(copies.copiesWritten()).isEqualTo(written);

        // A damaged copy (a column file cut short) is discarded and its segment decoded instead.
        Path damaged;
        try (Stream<Path> list = Files.list(dir.resolve("copies").resolve("orders-0"))) {
            damaged = list.sorted().findFirst().orElseThrow();
        }
        try (var channel = java.nio.channels.FileChannel.open(damaged.resolve("c6.arrow"), java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(40);
        }
        assertThat(rows(copied, "orders", null, ScanRange.ALL)).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        assertThat(damaged).doesNotExist();
    }

    @Test
    void shouldNotUseACopyOfASegmentThatChanged() throws Exception {
        PartitionLog log = fill("orders");
        copyAll("orders", log, ScanRange.ALL);
        // DeleteRecords into the middle of a copied segment: rows below the new log start must not come back.
        long start = log.sealedSegments().get(1).baseOffset() + 3;
        log.deleteRecordsBefore(start).get();
        assertThat(rows(copied, "orders", null, ScanRange.ALL)).hasSize((int) (1000 - start))
                .isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        // Truncation into a sealed segment, then new records at those offsets: the old copy describes other data.
        long cut = log.sealedSegments().get(2).baseOffset() + 10;
        log.truncateTo(cut).get();
        long end = log.logEndOffset();
        SimpleRecord[] fresh = new SimpleRecord[30];
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = record(5000 + i, null, "{\"n\":" + (-1 - i) + ",\"country\":\"new\",\"amount\":1.0}");
        }
        append(log, Compression.NONE, fresh);
        List<Map<String, Object>> expected = rows(plain, "orders", null, ScanRange.ALL);
        assertThat(expected).hasSize((int) (end - start + 30));
        assertThat(rows(copied, "orders", null, ScanRange.ALL)).isEqualTo(expected);
        copyAll("orders", log, ScanRange.ALL);
        assertThat(rows(copied, "orders", null, ScanRange.ALL)).isEqualTo(expected);
    }

    @Test
    void shouldHonourAbortedTransactionsUnderReadCommitted() throws Exception {
        PartitionLog log = fixture.partition("txn", 0, LogConfig.DEFAULT.withSegmentBytes(1024));
        int sequence = 0;
        for (int t = 0; t < 12; t++) {
            SimpleRecord[] records = new SimpleRecord[20];
            for (int i = 0; i < records.length; i++) {
                records[i] = record(1000 + t, null, "{\"t\":" + t + ",\"i\":" + i + "}");
            }
            appendTransactional(log, 7, sequence, records);
            sequence += records.length;
            marker(log, 7, t % 3 != 0);
            append(log, Compression.NONE, record(2000 + t, null, "{\"t\":" + (100 + t) + ",\"i\":0}"));
        }
        assertThat(log.sealedSegments()).hasSizeGreaterThan(2);
        ScanRange committed = ScanRange.ALL.withIsolation(Isolation.READ_COMMITTED);
        copyAll("txn", log, ScanRange.ALL);
        List<Map<String, Object>> expected = rows(plain, "txn", null, committed);
        assertThat(expected).hasSize(8 * 20 + 12);
        assertThat(rows(copied, "txn", null, committed)).isEqualTo(expected);
        assertThat(rows(copied, "txn", null, ScanRange.ALL)).hasSize(12 * 21).isEqualTo(rows(plain, "txn", null, ScanRange.ALL));
    }
}
