package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.ProducerSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.dlog.log.internal.LogTestSupport.T0;
import static io.dlog.log.internal.LogTestSupport.append;
import static io.dlog.log.internal.ReplicaTestSupport.assertSameLog;
import static io.dlog.log.internal.ReplicaTestSupport.logBytes;
import static io.dlog.log.internal.ReplicaTestSupport.reconcile;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random histories: a leader takes plain, idempotent and transactional appends, markers and new
 * epochs; a follower copies it in partial fetches, now and then leads an epoch of its own that nobody
 * copies and then reconciles (truncation). At the end, and after the follower restarts, the follower's
 * log, epochs, producer and transaction state equal the leader's. A failing seed replays exactly.
 */
class ReplicaEquivalenceTest {
    private static final long TXN_PRODUCER = 10;

    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;
    private final MutableClock clock = new MutableClock(T0);
    private final LogConfig config = LogConfig.DEFAULT.withSegmentBytes(700);
    private ReplicaPair pair;
    private PartitionLog leader;
    private PartitionLog follower;
    private final Map<Long, Integer> nextSequence = new HashMap<>();
    private boolean txnOpen;
    private int epoch = 1;

    @BeforeEach
    void setUp() throws Exception {
        pair = new ReplicaPair(leaderDir, followerDir, clock, config);
        leader = pair.leader;
        openFollower();
    }

    private void openFollower() throws Exception {
        follower = pair.reopenFollower(config);
    }

    @AfterEach
    void tearDown() throws Exception {
        pair.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 20261130L, 7_777_777L})
    void shouldEndWithTheLeadersLogAndState(long seed) throws Exception {
        Random random = new Random(seed);
        for (int step = 0; step < 80; step++) {
            clock.advance(random.nextInt(50));
            int action = random.nextInt(100);
            if (action < 30) {
                append(leader, TestBatches.of(values(random, "p" + step)).timestamp(clock.millis()).build(), epoch);
            } else if (action < 50) {
                idempotent(leader, 1 + random.nextInt(2), random, step);
            } else if (action < 62) {
                int seq = nextSequence.merge(TXN_PRODUCER, 1, Integer::sum) - 1;
                assertThat(append(leader, TestBatches.of("t" + step).producer(TXN_PRODUCER, 0, seq).transactional()
                        .timestamp(clock.millis()).build(), epoch).succeeded()).isTrue();
                txnOpen = true;
            } else if (action < 70 && txnOpen) {
                append(leader, TestBatches.marker(TXN_PRODUCER, 0, random.nextBoolean(), 1).timestamp(clock.millis())
                        .build(), epoch);
                txnOpen = false;
            } else if (action < 85) {
                replicatePart(random);
            } else if (action < 92) {
                epoch++;
            } else {
                diverge(random, step);
            }
        }
        reconcile(leader, follower);
        assertSameLog(leader, follower);
        openFollower();
        assertSameLog(leader, follower);
    }

    private static String[] values(Random random, String prefix) {
        String[] values = new String[1 + random.nextInt(3)];
        for (int i = 0; i < values.length; i++) {
            values[i] = prefix + "-" + i;
        }
        return values;
    }

    private void idempotent(PartitionLog log, long producerId, Random random, int step) throws Exception {
        String[] values = values(random, "i" + step);
        int seq = nextSequence.getOrDefault(producerId, 0);
        assertThat(append(log, TestBatches.of(values).producer(producerId, 0, seq).timestamp(clock.millis()).build(),
                epoch).succeeded()).isTrue();
        nextSequence.put(producerId, seq + values.length);
    }

    /** A fetch: whole batches from the follower's log end, cut after a random number of them. */
    private void replicatePart(Random random) throws Exception {
        if (follower.logEndOffset() >= leader.logEndOffset()) {
            return;
        }
        ByteBuffer fetch = logBytes(leader, follower.logEndOffset());
        int end = 0;
        int batches = 1 + random.nextInt(6);
        for (int i = 0; i < batches && end < fetch.limit(); i++) {
            end += BatchFormat.totalSize(fetch, end);
        }
        assertThat(follower.appendAsFollower(fetch.limit(end).slice()).get(10, TimeUnit.SECONDS).succeeded()).isTrue();
    }

    /**
     * The follower leads an epoch alone (a plain and an idempotent batch nobody copies), then the old leader
     * comes back with a newer epoch, writes, and the follower reconciles.
     */
    private void diverge(Random random, int step) throws Exception {
        int own = ++epoch;
        append(follower, TestBatches.of(values(random, "x" + step)).timestamp(clock.millis()).build(), own);
        int seq = follower.activeProducers().stream().filter(p -> p.producerId() == 1)
                .mapToInt(ProducerSnapshot::lastSequence).map(s -> s + 1).findFirst().orElse(0);
        assertThat(append(follower, TestBatches.of("x" + step).producer(1, 0, seq).timestamp(clock.millis()).build(),
                own).succeeded()).isTrue();
        epoch++;
        append(leader, TestBatches.of(values(random, "b" + step)).timestamp(clock.millis()).build(), epoch);
        reconcile(leader, follower);
    }
}
