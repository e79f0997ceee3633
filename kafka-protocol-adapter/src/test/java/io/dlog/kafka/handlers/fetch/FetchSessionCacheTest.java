package io.dlog.kafka.handlers.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Kafka's FetchSessionCache slot rule (KIP-227), driven by a hand-moved clock. */
class FetchSessionCacheTest {
    private static final long EVICTION = FetchSessionCache.EVICTION_MS;
    private final HandClock clock = new HandClock();
    private final FetchSessionCache cache = new FetchSessionCache(3, clock);

    @Test
    void shouldNotLetAFloodOfNewSessionsEvictSessionsInUse() {
        // Given three consumers fetching through their sessions
        List<FetchSession> live = fill(false, 10);
        // When thousands of clients ask for sessions while those are in use
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            clock.advance(10);
            live.forEach(s -> cache.get(s.id));
            if (cache.maybeCreate(false, true, 10).isEmpty()) {
                refused++;
            }
        }
        // Then the newcomers get sessionless fetches and the live sessions stay
        assertThat(refused).isEqualTo(20_000);
        live.forEach(s -> assertThat(cache.get(s.id)).contains(s));
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedSessionOnceItIsStale() {
        List<FetchSession> sessions = fill(false, 10);
        clock.advance(EVICTION / 2);
        cache.get(sessions.get(0).id);
        cache.get(sessions.get(2).id);
        clock.advance(EVICTION / 2 + 1);
        // sessions[1] unused for more than the eviction time: it goes, even for a smaller newcomer
        assertThat(cache.maybeCreate(false, true, 1)).isPresent();
        assertThat(cache.get(sessions.get(1).id)).isEmpty();
        assertThat(cache.get(sessions.get(0).id)).isPresent();
    }

    @Test
    void shouldLetABiggerSessionEvictTheSmallestOldOneButNotTheReverse() {
        // Given three sessions older than the eviction time, all recently used
        FetchSession small = create(false, 2);
        FetchSession medium = create(false, 50);
        FetchSession large = create(false, 100);
        clock.advance(EVICTION + 1);
        List.of(small, medium, large).forEach(s -> cache.get(s.id));
        // Then a session smaller than every one of them gets no slot
        assertThat(cache.maybeCreate(false, true, 1)).isEmpty();
        // And one bigger than the smallest takes the smallest's slot
        assertThat(cache.maybeCreate(false, true, 60)).isPresent();
        assertThat(cache.get(small.id)).isEmpty();
        assertThat(cache.get(medium.id)).isPresent();
        assertThat(cache.get(large.id)).isPresent();
    }

    @Test
    void shouldProtectYoungSessionsFromConsumersButLetFollowersTakeAConsumersSlot() {
        FetchSession young = create(false, 1);
        create(false, 5);
        create(false, 5);
        // a bigger consumer may not evict sessions younger than the eviction time
        assertThat(cache.maybeCreate(false, true, 1_000)).isEmpty();
        // a follower (privileged) may evict the least valuable consumer session at any age
        Optional<FetchSession> follower = cache.maybeCreate(true, true, 1);
        assertThat(follower).isPresent();
        assertThat(cache.get(young.id)).isEmpty();
        // and a consumer cannot evict a follower's young session even when every other slot is a follower's
        create(true, 1);
        create(true, 1);
        clock.advance(1);
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.maybeCreate(false, true, 1_000)).isEmpty();
        assertThat(cache.get(follower.get().id)).isPresent();
    }

    @Test
    void shouldRefuseEverySessionWhenTheCacheHasNoSlots() {
        FetchSessionCache none = new FetchSessionCache(0, clock);
        assertThat(none.maybeCreate(true, true, 10)).isEmpty();
    }

    private List<FetchSession> fill(boolean privileged, int size) {
        List<FetchSession> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(create(privileged, size));
        }
        return out;
    }

    private FetchSession create(boolean privileged, int size) {
        FetchSession session = cache.maybeCreate(privileged, true, size).orElseThrow();
        clock.advance(1);
        return session;
    }

    /** A clock the test moves. */
    private static final class HandClock extends Clock {
        private long millis = 1_700_000_000_000L;

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }
}
