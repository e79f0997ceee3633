package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeasedSequenceTest {
    @TempDir
    Path dir;

    @Test
    void shouldHandOutALeaseFromMemoryWithOneExtension() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            LeasedSequence sequence = counter.sequence(100);
            assertThat(sequence.next()).isEqualTo(1);
            assertThat(Files.size(file)).isEqualTo(100);
            for (long expected = 2; expected <= 100; expected++) {
                assertThat(sequence.next()).isEqualTo(expected);
            }
            assertThat(Files.size(file)).isEqualTo(100);
            assertThat(sequence.next()).isEqualTo(101);
            assertThat(Files.size(file)).isEqualTo(200);
        }
    }

    @Test
    void shouldSkipTheUnusedLeaseAfterRestart() throws IOException {
        Path file = dir.resolve("c");
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            LeasedSequence sequence = counter.sequence(1024);
            sequence.next();
            sequence.next();
        }
        try (SparseAppendCounter counter = SparseAppendCounter.open(file)) {
            assertThat(counter.sequence(16).next()).isEqualTo(1025);
        }
    }

    @Test
    void shouldNotOverlapWithOtherSequencesOrIncrements() throws IOException {
        try (SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"))) {
            LeasedSequence a = counter.sequence(4);
            LeasedSequence b = counter.sequence(4);
            assertThat(a.next()).isEqualTo(1);
            assertThat(b.next()).isEqualTo(5);
            assertThat(counter.increment()).isEqualTo(9);
            assertThat(a.next()).isEqualTo(2);
        }
    }

    @Test
    void shouldSurfaceExhaustionWhenNoFullLeaseIsLeft() throws IOException {
        try (SparseAppendCounter counter = SparseAppendCounter.open(dir.resolve("c"), 10)) {
            LeasedSequence sequence = counter.sequence(8);
            for (int i = 0; i < 8; i++) {
                sequence.next();
            }
            assertThatThrownBy(sequence::next).isInstanceOf(CounterExhaustedException.class);
        }
    }
}
