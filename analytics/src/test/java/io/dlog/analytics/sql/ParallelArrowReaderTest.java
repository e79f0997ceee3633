package io.dlog.analytics.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParallelArrowReaderTest {
    private static final Schema SCHEMA = new Schema(List.of(Field.nullable("source", new ArrowType.Int(32, true)),
            Field.nullable("n", new ArrowType.Int(64, true))));
    private BufferAllocator allocator;
    private ExecutorService executor;

    @BeforeEach
    void setUp() {
        allocator = new RootAllocator(64L << 20);
        executor = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
        allocator.close(); // fails on any buffer not released
    }

    /** Rows (source, n) with n = 0, 1, 2, ... in batches of {@code rows}; sleeps {@code sleepMs} before each batch. */
    private static class Counting extends ArrowReader {
        private final int source;
        private final int batches;
        private final int rows;
        private final long sleepMs;
        private final AtomicInteger concurrent;
        private final AtomicInteger maxConcurrent;
        private int loaded;
        private boolean closed;

        Counting(BufferAllocator allocator, int source, int batches, int rows, long sleepMs, AtomicInteger concurrent,
                 AtomicInteger maxConcurrent) {
            super(allocator);
            this.source = source;
            this.batches = batches;
            this.rows = rows;
            this.sleepMs = sleepMs;
            this.concurrent = concurrent;
            this.maxConcurrent = maxConcurrent;
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            prepareLoadNextBatch();
            if (loaded == batches) {
                return false;
            }
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                throw new IOException(e);
            } finally {
                concurrent.decrementAndGet();
            }
            VectorSchemaRoot root = getVectorSchemaRoot();
            root.allocateNew();
            IntVector sources = (IntVector) root.getVector("source");
            BigIntVector n = (BigIntVector) root.getVector("n");
            for (int i = 0; i < rows; i++) {
                sources.setSafe(i, source);
                n.setSafe(i, (long) loaded * rows + i);
            }
            root.setRowCount(rows);
            loaded++;
            return true;
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {
            closed = true;
        }

        @Override
        protected Schema readSchema() {
            return SCHEMA;
        }
    }

    private List<Counting> sources(int count, int batches, int rows, long sleepMs, AtomicInteger maxConcurrent) {
        AtomicInteger concurrent = new AtomicInteger();
        List<Counting> sources = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            sources.add(new Counting(allocator, s, batches, rows, sleepMs, concurrent, maxConcurrent));
        }
        return sources;
    }

    @Test
    void shouldGiveEverySourcesRowsOnceAndEachSourceInOrder() throws Exception {
        List<Counting> sources = sources(4, 7, 100, 0, new AtomicInteger());
        Map<Integer, Long> next = new HashMap<>();
        long rows = 0;
        try (ParallelArrowReader reader = new ParallelArrowReader(allocator, sources, executor, 2)) {
            while (reader.loadNextBatch()) {
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                for (int i = 0; i < root.getRowCount(); i++) {
                    int source = ((IntVector) root.getVector("source")).get(i);
                    long n = ((BigIntVector) root.getVector("n")).get(i);
                    assertThat(n).as("source %d's rows in order, none twice", source).isEqualTo(next.getOrDefault(source, 0L));
                    next.put(source, n + 1);
                    rows++;
                }
            }
        }
        assertThat(rows).isEqualTo(4 * 7 * 100);
        assertThat(next).containsOnlyKeys(0, 1, 2, 3).allSatisfy((source, n) -> assertThat(n).isEqualTo(700));
        assertThat(sources).allSatisfy(s -> assertThat(s.closed).isTrue());
    }

    @Test
    void shouldReadSourcesAtOnceOnTheExecutorsThreads() throws Exception {
        AtomicInteger maxConcurrent = new AtomicInteger();
        List<Counting> sources = sources(4, 4, 10, 50, maxConcurrent);
        int batches = 0;
        try (ParallelArrowReader reader = new ParallelArrowReader(allocator, sources, executor, 2)) {
            while (reader.loadNextBatch()) {
                batches++;
            }
        }
        assertThat(batches).isEqualTo(16);
        // Each read takes 50 ms, so two reads on the way overlap (one after the other, this would be 1); no wall-time
        // bound, which a loaded machine would make flaky.
        assertThat(maxConcurrent.get()).as("sources read at once").isEqualTo(2);
    }

    @Test
    void shouldNeverReadMoreThanAheadBatchesAtOnce() throws Exception {
        AtomicInteger maxConcurrent = new AtomicInteger();
        List<Counting> sources = sources(4, 3, 10, 20, maxConcurrent);
        ExecutorService wide = Executors.newFixedThreadPool(8);
        try (ParallelArrowReader reader = new ParallelArrowReader(allocator, sources, wide, 3)) {
            while (reader.loadNextBatch()) {
                Thread.sleep(5);
            }
        } finally {
            wide.shutdownNow();
        }
        assertThat(maxConcurrent.get()).isEqualTo(3);
    }

    @Test
    void shouldReportAFailingSourceAndReleaseEverything() throws Exception {
        List<ArrowReader> sources = new ArrayList<>(sources(3, 50, 1000, 0, new AtomicInteger()));
        sources.add(new Counting(allocator, 9, 2, 10, 0, new AtomicInteger(), new AtomicInteger()) {
            @Override
            public boolean loadNextBatch() throws IOException {
                throw new IOException("segment unreadable");
            }
        });
        ParallelArrowReader reader = new ParallelArrowReader(allocator, sources, executor, 2);
        assertThatThrownBy(() -> {
            while (reader.loadNextBatch()) {
                assertThat(reader.getVectorSchemaRoot().getRowCount()).isPositive();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("segment unreadable");
        reader.close(); // with reads of the other sources on the way: they are waited for and released
    }

    @Test
    void shouldReleaseBatchesReadAheadWhenClosedEarly() throws Exception {
        List<Counting> sources = sources(4, 10, 1000, 1, new AtomicInteger());
        try (ParallelArrowReader reader = new ParallelArrowReader(allocator, sources, executor, 2)) {
            assertThat(reader.loadNextBatch()).isTrue();
        }
        assertThat(sources).allSatisfy(s -> assertThat(s.closed).isTrue());
    }
}
