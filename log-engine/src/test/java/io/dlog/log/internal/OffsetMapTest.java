package io.dlog.log.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffsetMapTest {
    private static ByteBuffer key(String k) {
        return ByteBuffer.wrap(("pad" + k).getBytes(StandardCharsets.UTF_8));
    }

    private static void put(OffsetMap map, String k, long offset) {
        ByteBuffer b = key(k);
        map.put(b, 3, b.limit() - 3, offset);
    }

    private static long get(OffsetMap map, String k) {
        ByteBuffer b = key(k);
        return map.get(b, 3, b.limit() - 3);
    }

    @Test
    void shouldKeepTheLatestOffsetPerKeyAndAnswerMinusOneForUnknownKeys() {
        OffsetMap map = new OffsetMap(24 * 1000, 0.9);
        for (int i = 0; i < 5000; i++) {
            put(map, "k" + i % 500, i);
        }
        assertThat(map.size()).isEqualTo(500);
        for (int k = 0; k < 500; k++) {
            assertThat(get(map, "k" + k)).isEqualTo(4500 + k);
        }
        assertThat(get(map, "absent")).isEqualTo(-1);
        assertThat(map.latestOffset()).isEqualTo(4999);
    }

    @Test
    void shouldReportFullAtItsLoadFactorAndRefuseMore() {
        OffsetMap map = new OffsetMap(24 * 10, 0.5);
        for (int i = 0; i < 5; i++) {
            put(map, "k" + i, i);
        }
        assertThat(map.isFull(1)).isTrue();
        assertThat(map.isFull(0)).isFalse();
        put(map, "k0", 9); // an existing key still updates
        assertThat(get(map, "k0")).isEqualTo(9);
        assertThatThrownBy(() -> put(map, "new", 10)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldForgetEverythingOnClearWhetherFewOrManyKeysWereAdded() {
        for (int keys : new int[] {10, 6000}) {
            OffsetMap map = new OffsetMap(24 * 10_000, 0.9);
            for (int i = 0; i < keys; i++) {
                put(map, "k" + i, i);
            }
            map.clear();
            assertThat(map.size()).isZero();
            for (int i = 0; i < keys; i++) {
                assertThat(get(map, "k" + i)).isEqualTo(-1);
            }
        }
    }
}
