package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.idcoord.SnowflakeIdGenerator.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnowflakeIdGeneratorTest {
    private static final long EPOCH = Layout.DLOG_EPOCH_MILLIS;

    @TempDir
    Path dir;

    @Test
    void shouldPackTimestampNodeAndSequence() throws IOException {
        MutableClock clock = new MutableClock(EPOCH + 5_000);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 7, clock)) {
            long first = generator.nextId();
            long second = generator.nextId();
            Layout layout = generator.layout();
            assertThat(first).isPositive();
            assertThat(layout.timestampMillis(first)).isEqualTo(EPOCH + 5_000);
            assertThat(layout.nodeId(first)).isEqualTo(7);
            assertThat(layout.sequence(first)).isZero();
            assertThat(layout.sequence(second)).isEqualTo(1);
            assertThat(first).isEqualTo((5_000L << 22) | (7L << 14));
        }
    }

    @Test
    void shouldKeepTheFloorDurablyAheadOfEveryIssuedTimestamp() throws IOException {
        MutableClock clock = new MutableClock(EPOCH + 1_000);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 1, clock, Layout.DEFAULT, 100)) {
            generator.nextId();
            assertThat(generator.floorTick()).isEqualTo(1_100);
            assertThat(Files.size(dir.resolve("snowflake-node-1.ticks"))).isEqualTo(1_100);
            clock.advance(99);
            generator.nextId();
            assertThat(generator.floorTick()).isEqualTo(1_100); // no fsync within the lease
            clock.advance(2);
            long id = generator.nextId();
            assertThat(generator.layout().timestampMillis(id) - EPOCH).isEqualTo(1_101);
            assertThat(generator.floorTick()).isEqualTo(1_201);
        }
    }

    @Test
    void shouldBorrowTheNextTickWhenTheSequenceIsExhausted() throws IOException {
        Layout layout = new Layout(41, 8, 2, EPOCH);
        MutableClock clock = new MutableClock(EPOCH + 10);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 3, clock, layout)) {
            long previous = -1;
            for (int i = 0; i < 10; i++) {
                long id = generator.nextId();
                assertThat(id).isGreaterThan(previous);
                assertThat(layout.timestampMillis(id) - EPOCH).isEqualTo(10 + i / 4);
                assertThat(layout.sequence(id)).isEqualTo(i % 4);
                previous = id;
            }
            clock.advance(100);
            assertThat(layout.timestampMillis(generator.nextId()) - EPOCH).isEqualTo(110);
        }
    }

    @Test
    void shouldStayIncreasingWhenTheClockGoesBackwards() throws IOException {
        MutableClock clock = new MutableClock(EPOCH + 60_000);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 0, clock)) {
            long before = generator.nextId();
            clock.set(EPOCH + 1_000);
            long after = generator.nextId();
            assertThat(after).isGreaterThan(before);
            assertThat(generator.layout().timestampMillis(after)).isEqualTo(generator.layout().timestampMillis(before));
        }
    }

    @Test
    void shouldNeverReissueAfterRestartWithTheClockBehind() throws IOException {
        MutableClock clock = new MutableClock(EPOCH + 3_600_000);
        long maxBefore;
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 5, clock)) {
            long id = 0;
            for (int i = 0; i < 100_000; i++) {
                id = generator.nextId();
            }
            maxBefore = id;
        }
        clock.set(EPOCH + 1_000); // an hour back, as if NTP stepped the clock or the RTC was reset
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 5, clock)) {
            assertThat(generator.nextId()).isGreaterThan(maxBefore);
        }
        clock.set(0); // before the epoch altogether
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 5, clock)) {
            assertThat(generator.nextId()).isGreaterThan(maxBefore);
        }
    }

    @Test
    void shouldGiveDisjointIdsToDistinctNodes() throws IOException {
        MutableClock clock = new MutableClock(EPOCH + 42);
        Set<Long> ids = new HashSet<>();
        try (SnowflakeIdGenerator a = SnowflakeIdGenerator.open(dir, 1, clock);
                SnowflakeIdGenerator b = SnowflakeIdGenerator.open(dir, 2, clock)) {
            for (int i = 0; i < 50_000; i++) {
                assertThat(ids.add(a.nextId())).isTrue();
                assertThat(ids.add(b.nextId())).isTrue();
            }
        }
    }

    @Test
    void shouldValidateNodeIdAndLayout() {
        MutableClock clock = new MutableClock(EPOCH);
        assertThatThrownBy(() -> SnowflakeIdGenerator.open(dir, 256, clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SnowflakeIdGenerator.open(dir, -1, clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Layout(41, 10, 13, EPOCH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Layout(41, 8, 0, EPOCH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Layout(41, 8, 14, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReportExhaustedTimestampBits() throws IOException {
        Layout tiny = new Layout(10, 8, 4, EPOCH);
        MutableClock clock = new MutableClock(EPOCH + 1_000);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 1, clock, tiny)) {
            assertThat(tiny.timestampMillis(generator.nextId()) - EPOCH).isEqualTo(1_000);
            clock.set(EPOCH + 1_023);
            long last = 0;
            for (int i = 0; i < 16; i++) {
                last = generator.nextId(); // fills the last tick, 1023
            }
            assertThat(tiny.timestampMillis(last) - EPOCH).isEqualTo(1_023);
            assertThatThrownBy(generator::nextId).isInstanceOf(CounterExhaustedException.class);
            clock.set(EPOCH + 5_000); // a wall clock past the layout's range exhausts it too
            assertThatThrownBy(generator::nextId).isInstanceOf(CounterExhaustedException.class);
        }
    }

    @Test
    void shouldReportExhaustionOfAFull63BitLayout() throws IOException {
        Layout full = new Layout(4, 0, 59, EPOCH); // every bit but the sign used
        MutableClock clock = new MutableClock(EPOCH + 15);
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(dir, 0, clock, full)) {
            assertThat(generator.nextId()).isEqualTo(15L << 59);
            clock.set(EPOCH + 16);
            assertThatThrownBy(generator::nextId).isInstanceOf(CounterExhaustedException.class);
        }
    }

    @Test
    void shouldCreateMissingDataDirectories() throws IOException {
        Path nested = dir.resolve("a/b/c");
        try (SnowflakeIdGenerator generator = SnowflakeIdGenerator.open(nested, 9, new MutableClock(EPOCH + 1))) {
            assertThat(generator.nextId()).isPositive();
        }
        assertThat(nested.resolve("snowflake-node-9.ticks")).exists();
    }
}
