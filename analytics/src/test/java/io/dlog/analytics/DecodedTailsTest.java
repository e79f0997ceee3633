package io.dlog.analytics;

import static io.dlog.analytics.LogFixture.append;
import static io.dlog.analytics.LogFixture.header;
import static io.dlog.analytics.LogFixture.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoded tails: a scan served (in part) from the tail an earlier scan decoded returns exactly what decoding the
 * log returns, after new records, truncation with other records at the same offsets, DeleteRecords into the
 * tail, offset ranges and projections; and it is served from memory when nothing changed.
 */
class DecodedTailsTest {
    @TempDir
    Path dir;
    private LogFixture fixture;
    private BufferAllocator allocator;
    private TopicTables plain;
    private TopicTables cached;
    private ColumnarCopies copies;
    private int appended;

    @BeforeEach
    void open() throws Exception {
        fixture = new LogFixture(dir.resolve("data"));
        allocator = new RootAllocator(256L << 20);
        TopicCatalog catalog = TopicCatalog.of(fixture.logs);
        copies = ColumnarCopies.open(dir.resolve("copies"), catalog, 64L << 20);
        plain = new TopicTables(catalog, 100);
        cached = new TopicTables(catalog, 100, copies);
    }

    @AfterEach
    void close() throws Exception {
        DecodedTails tails = copies.tails();
        assertThat(tails.allocator().getAllocatedMemory()).as("the tails' memory holds only the entries kept").isEqualTo(tails.bytes());
        copies.close();
        assertThat(tails.allocator().getAllocatedMemory()).as("every kept batch released").isZero();
        fixture.close();
        allocator.close(); // fails on any buffer still held
    }

    /** {@code batches} batches of 20 JSON records (every third with a key and a header), some gzip. */
    private void fill(PartitionLog log, int batches, String country) throws Exception {
        for (int b = 0; b < batches; b++) {
            SimpleRecord[] batch = new SimpleRecord[20];
            for (int i = 0; i < batch.length; i++) {
                int n = appended++;
                String value = "{\"n\":" + n + ",\"country\":\"" + country + (n % 7) + "\",\"amount\":" + (n * 0.5) + "}";
                batch[i] = n % 3 == 0 ? record(1000 + n, "k" + n, value, header("h", "v" + n)) : record(1000 + n, null, value);
            }
            append(log, b % 2 == 0 ? Compression.NONE : Compression.gzip().build(), batch);
        }
    }

    private List<Map<String, Object>> rows(TopicTables tables, String topic, Set<String> projection, ScanRange range) throws Exception {
        TableSchema table = plain.schema(topic, Optional.empty(), range.isolation());
        try (TopicArrowReader reader = tables.open(allocator, topic, table, projection, null, range)) {
            return LogFixture.rows(reader);
        }
    }

    private void assertSameAsDecoding(Set<String> projection, ScanRange range) throws Exception {
        assertThat(rows(cached, "orders", projection, range)).isEqualTo(rows(plain, "orders", projection, range));
    }

    @Test
    void shouldServeAnUnchangedTailFromMemoryAndDecodeOnlyNewRecords() throws Exception {
        PartitionLog log = fixture.partition("orders", 0);
        fill(log, 30, "c");
        DecodedTails tails = copies.tails();
        List<Map<String, Object>> first = rows(cached, "orders", null, ScanRange.ALL);
        assertThat(first).hasSize(600).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        assertThat(tails.hits()).isZero();
        assertThat(tails.bytes()).isPositive();

        assertSameAsDecoding(null, ScanRange.ALL);
        assertThat(tails.hits()).as("the second scan found the tail unchanged").isEqualTo(1);

        // New records: the cached part is served, the rest decoded, and both kept.
        fill(log, 7, "d");
        assertSameAsDecoding(null, ScanRange.ALL);
        assertThat(tails.hits()).isEqualTo(2);
        assertThat(rows(cached, "orders", null, ScanRange.ALL)).hasSize(740).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        assertThat(tails.hits()).isEqualTo(3);

        // Projections are tails of their own; an offset range ending before the cached end decodes.
        assertSameAsDecoding(Set.of("country", "amount"), ScanRange.ALL);
        assertSameAsDecoding(Set.of("country", "amount"), ScanRange.ALL);
        assertSameAsDecoding(Set.of("offset", "key", "headers"), ScanRange.ALL.withOffsets(0, 333));
        assertSameAsDecoding(Set.of("n"), ScanRange.ALL.withOffsets(0, 333));
    }

    @Test
    void shouldNotServeATailWhoseRecordsChanged() throws Exception {
        PartitionLog log = fixture.partition("orders", 0);
        fill(log, 30, "c");
        DecodedTails tails = copies.tails();
        assertSameAsDecoding(null, ScanRange.ALL);
        long misses = tails.misses();

        // Truncation, then as many other records at the same offsets: same offsets and counts, other values.
        log.truncateTo(400).get();
        appended = 400;
        fill(log, 10, "x");
        assertThat(log.logEndOffset()).isEqualTo(600);
        List<Map<String, Object>> expected = rows(plain, "orders", null, ScanRange.ALL);
        assertThat(expected.get(450).get("country")).isEqualTo("x" + (450 % 7));
        assertThat(rows(cached, "orders", null, ScanRange.ALL)).isEqualTo(expected);
        assertThat(tails.misses()).isGreaterThan(misses);
        assertSameAsDecoding(null, ScanRange.ALL);

        // DeleteRecords into the tail: rows below the new log start must not come back.
        log.deleteRecordsBefore(133).get();
        assertThat(rows(cached, "orders", null, ScanRange.ALL)).hasSize(600 - 133).isEqualTo(rows(plain, "orders", null, ScanRange.ALL));
        assertSameAsDecoding(Set.of("n", "offset"), ScanRange.ALL);
    }

    @Test
    void shouldKeepSealedSegmentsTailsApartFromCopies() throws Exception {
        // Small segments: the tail starts at the first segment without a copy, later at the active segment.
        PartitionLog log = fixture.partition("orders", 0, LogConfig.DEFAULT.withSegmentBytes(4 * 1024));
        fill(log, 40, "c");
        assertThat(log.sealedSegments()).hasSizeGreaterThan(3);
        for (int i = 0; i < 5; i++) {
            assertSameAsDecoding(null, ScanRange.ALL);
            assertSameAsDecoding(Set.of("country"), ScanRange.ALL.withOffsets(10, 790));
            Thread.sleep(100); // copies being written between the scans
        }
        fill(log, 3, "d");
        assertSameAsDecoding(null, ScanRange.ALL);
    }
}
