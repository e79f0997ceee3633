package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseAppendCounterTest {
    @TempDir
    Path dir;

    @Test
    void shouldStartAtZeroAndCountInFileLength() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            assertThat(counter.get()).isZero();
            assertThat(counter.increment()).isEqualTo(1);
            assertThat(counter.increment()).isEqualTo(2);
            assertThat(counter.reserve(10)).isEqualTo(3);
            assertThat(counter.get()).isEqualTo(12);
            assertThat(Files.size(file)).isEqualTo(12);
        }
    }

    @Test
    void shouldRecoverValueByOpeningTheFile() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            counter.reserve(1000);
        }
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            assertThat(counter.get()).isEqualTo(1000);
            assertThat(counter.increment()).isEqualTo(1001);
        }
    }

    @Test
    void shouldStaySparseOnDisk() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            for (int i = 0; i < 200; i++) {
                counter.increment();
            }
            counter.reserve(1L << 40); // a terabyte of length
        }
        OptionalLong blocks = SparseFiles.allocatedBlocks(file);
        assumeTrue(blocks.isPresent(), "stat not available");
        assertThat(Files.size(file)).isEqualTo(200 + (1L << 40));
        assertThat(blocks.getAsLong()).isZero();
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameFile() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            assertThat(counter.get()).isZero();
            assertThatThrownBy(() -> SparseAppendCounter.open(file)).isInstanceOf(IOException.class)
                    .hasMessageContaining("already open");
        }
    }

    @Test
    void shouldRejectBadArgumentsAndUseAfterClose() throws IOException {
        SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"));
        assertThatThrownBy(() -> counter.reserve(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> counter.sequence(0)).isInstanceOf(IllegalArgumentException.class);
        counter.close();
        assertThatThrownBy(counter::increment).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldThrowExhaustedAtTheLimitAndStayConsistent() throws IOException {
        try (SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"), 10)) {
            assertThat(counter.reserve(9)).isEqualTo(1);
            assertThatThrownBy(() -> counter.reserve(2)).isInstanceOf(CounterExhaustedException.class);
            assertThat(counter.increment()).isEqualTo(10);
            assertThatThrownBy(counter::increment).isInstanceOf(CounterExhaustedException.class)
                    .hasMessageContaining("maximum 10");
            assertThat(counter.get()).isEqualTo(10);
        }
    }

    @Test
    void shouldHitTheRealExt4MaximumFileSizeAsExhaustion() throws IOException {
        Path file = dir.resolve("c");
        assumeTrue("ext4".equals(Files.getFileStore(dir).type()), "needs ext4");
        long max = FileSystemSupport.maxFileSize(Files.getFileStore(dir));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(max - 2);
        }
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            assertThat(counter.increment()).isEqualTo(max - 1);
            assertThat(counter.increment()).isEqualTo(max);
            assertThatThrownBy(counter::increment).isInstanceOf(CounterExhaustedException.class);
            assertThat(counter.get()).isEqualTo(max);
        }
        // Without the known limit the kernel's EFBIG is mapped to the same exception.
        FileCounterFile raw = FileCounterFile.open(dir.resolve("raw"));
        try (raw) {
            assertThatThrownBy(() -> raw.extendTo(max + 1)).isInstanceOf(CounterExhaustedException.class);
        }
    }

    @Test
    void shouldSurviveAFailedSyncAndRetryWithAFreshLength() throws IOException {
        FaultyCounterFile file = new FaultyCounterFile(0);
        SparseAppendCounter counter = new SparseAppendCounter(file, Long.MAX_VALUE);
        assertThat(counter.increment()).isEqualTo(1);

        file.failNextForces = 1;
        assertThatThrownBy(counter::increment).isInstanceOf(IOException.class).hasMessageContaining("injected");
        assertThat(counter.get()).isEqualTo(1);
        assertThat(file.size()).isEqualTo(2); // extended in cache, not durable

        long next = counter.increment();
        assertThat(next).isEqualTo(3); // value 2 is skipped, never returned
        assertThat(file.durableLength()).isGreaterThanOrEqualTo(3);
        assertThat(counter.get()).isEqualTo(file.durableLength());
    }

    @Test
    void shouldExtendStrictlyAfterAFailureEvenIfTheLengthIsAlreadyThere() throws IOException {
        FaultyCounterFile file = new FaultyCounterFile(0);
        SparseAppendCounter counter = new SparseAppendCounter(file, Long.MAX_VALUE);
        file.failNextForces = 1;
        assertThatThrownBy(() -> counter.reserve(5)).isInstanceOf(IOException.class);
        // A follow-up that needs no more than what the failed commit extended to still re-dirties the file.
        counter.advanceTo(5);
        assertThat(file.durableLength()).isEqualTo(6);
        assertThat(counter.get()).isEqualTo(6);
    }

    @Test
    void shouldFailOnDiskFullAndRecover() throws IOException {
        FaultyCounterFile file = new FaultyCounterFile(0);
        SparseAppendCounter counter = new SparseAppendCounter(file, Long.MAX_VALUE);
        file.failNextExtends = 2;
        assertThatThrownBy(counter::increment).hasMessageContaining("No space left");
        assertThatThrownBy(counter::increment).hasMessageContaining("No space left");
        assertThat(counter.get()).isZero();
        assertThat(counter.increment()).isEqualTo(3);
    }

    @Test
    void shouldShareOneSyncAmongConcurrentCallers() throws Exception {
        FaultyCounterFile file = new FaultyCounterFile(0);
        SparseAppendCounter counter = new SparseAppendCounter(file, Long.MAX_VALUE);
        int forcesAtOpen = file.forces.get();
        file.forceDelayMillis = 50;
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return counter.increment();
                }));
            }
            List<Long> values = new ArrayList<>();
            for (Future<Long> result : results) {
                values.add(result.get());
            }
            assertThat(values).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
            assertThat(file.forces.get() - forcesAtOpen).isLessThan(threads);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFailEveryWaiterCoveredByAFailedGroupCommit() throws Exception {
        FaultyCounterFile file = new FaultyCounterFile(0);
        SparseAppendCounter counter = new SparseAppendCounter(file, Long.MAX_VALUE);
        file.forceDelayMillis = 30;
        file.failNextForces = 1000;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(counter::increment));
            }
            for (Future<Long> result : results) {
                assertThatThrownBy(result::get).hasCauseInstanceOf(IOException.class);
            }
            file.failNextForces = 0;
            file.forceDelayMillis = 0;
            assertThat(counter.increment()).isGreaterThan(4);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseKnownNonSparseFilesystems() {
        assertThat(FileSystemSupport.NON_SPARSE).contains("vfat", "exfat");
    }
}
