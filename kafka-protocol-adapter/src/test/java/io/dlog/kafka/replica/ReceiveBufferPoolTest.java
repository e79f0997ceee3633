package io.dlog.kafka.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A follower connection's receive buffer: lent to one response at a time, lent again only once recycled. */
class ReceiveBufferPoolTest {
    private static final int MAX = 1 << 20;

    private final ReceiveBufferPool pool = new ReceiveBufferPool(MAX);

    @Test
    void shouldLendExactlyTheSizeAskedFor() {
        // When
        ByteBuffer buffer = pool.tryAllocate(1000);

        // Then: Kafka's receive reads until the buffer is full, so its limit is the response's size
        assertThat(buffer.position()).isZero();
        assertThat(buffer.limit()).isEqualTo(1000);
        assertThat(buffer.capacity()).isEqualTo(1000);
        assertThat(buffer.isDirect()).isTrue();
    }

    @Test
    void shouldReuseTheBufferOfARecycledResponse() {
        // Given
        ByteBuffer first = pool.tryAllocate(5000);
        first.put(0, (byte) 7);
        pool.recycle();

        // When
        ByteBuffer second = pool.tryAllocate(3000);

        // Then: the same memory, written by the second response
        second.put(0, (byte) 9);
        assertThat(first.get(0)).isEqualTo((byte) 9);
    }

    @Test
    void shouldNeverLendTheBufferOfAResponseThatWasNotRecycled() {
        // Given: a response someone may still hold (an append that timed out, an apply that failed)
        ByteBuffer held = pool.tryAllocate(5000);
        held.put(0, (byte) 7);

        // When
        ByteBuffer next = pool.tryAllocate(5000);
        next.put(0, (byte) 9);
        pool.recycle();
        ByteBuffer afterRecycle = pool.tryAllocate(5000);
        afterRecycle.put(0, (byte) 11);

        // Then: only the recycled one comes back; the held bytes are untouched
        assertThat(held.get(0)).isEqualTo((byte) 7);
        assertThat(next.get(0)).isEqualTo((byte) 11);
    }

    @Test
    void shouldGrowForALargerResponse() {
        // Given
        pool.tryAllocate(100);
        pool.recycle();

        // When
        ByteBuffer large = pool.tryAllocate(300_000);

        // Then
        assertThat(large.remaining()).isEqualTo(300_000);
        large.put(0, (byte) 5);
        pool.recycle();
        assertThat(pool.tryAllocate(200_000).get(0)).as("the grown buffer is the one kept").isEqualTo((byte) 5);
    }

    @Test
    void shouldGiveAResponseLargerThanTheLimitABufferOfItsOwn() {
        // When
        ByteBuffer huge = pool.tryAllocate(MAX + 1);
        pool.recycle();
        ByteBuffer next = pool.tryAllocate(10);

        // Then: a one-off heap buffer that is not kept
        assertThat(huge.isDirect()).isFalse();
        assertThat(huge.remaining()).isEqualTo(MAX + 1);
        assertThat(next.isDirect()).isTrue();
    }

    @Test
    void shouldNeverBeOutOfMemory() {
        // Then: Kafka's selector stops reading while its pool reports no memory; this pool never holds reads back
        assertThat(pool.isOutOfMemory()).isFalse();
        assertThat(pool.availableMemory()).isPositive();
    }
}
