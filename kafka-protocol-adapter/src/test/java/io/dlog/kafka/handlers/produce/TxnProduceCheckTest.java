package io.dlog.kafka.handlers.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One Produce request's transaction check against a scripted coordinator. */
class TxnProduceCheckTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    /** Answers each call with the next scripted failures (the last one repeats), recording what was asked. */
    private static final class Script implements TxnProduceCheck.Checker {
        private final ConcurrentLinkedQueue<Map<TopicPartition, Errors>> answers;
        private final Map<TopicPartition, Errors> last;
        final List<List<TopicPartition>> asked = new CopyOnWriteArrayList<>();

        Script(List<Map<TopicPartition, Errors>> answers) {
            this.answers = new ConcurrentLinkedQueue<>(answers);
            this.last = answers.get(answers.size() - 1);
        }

        @Override
        public CompletableFuture<Map<TopicPartition, Errors>> verify(String id, long producerId, short epoch,
                                                                    List<TopicPartition> partitions, boolean add) {
            asked.add(new ArrayList<>(partitions));
            Map<TopicPartition, Errors> answer = answers.poll();
            return CompletableFuture.completedFuture(answer == null ? last : answer);
        }
    }

    @Test
    void shouldRetryConcurrentTransactionsWhileAddingAsKafkasBrokerDoes() throws Exception {
        // Given: the previous transaction is still writing its markers at the first ask, done at the second
        Script coordinator = new Script(List.of(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS), Map.of()));
        TxnProduceCheck check = new TxnProduceCheck(coordinator, "id", (short) 12, true, TxnProduceCheck.Retry.DEFAULTS, timer);
        CompletableFuture<TxnProduceCheck.Refusal> p0 = check.add(P0, 7, (short) 1, true);
        CompletableFuture<TxnProduceCheck.Refusal> p1 = check.add(P1, 7, (short) 1, true);

        // When
        check.send();

        // Then: only the refused partition is asked again, and the producer sees no error
        assertThat(p0.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(p1.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(coordinator.asked).hasSize(2);
        assertThat(coordinator.asked.get(1)).containsExactly(P0);
    }

    @Test
    void shouldGiveUpRetryingAfterTheMaximumAndAnswerConcurrentTransactions() throws Exception {
        // Given
        Script coordinator = new Script(List.of(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS)));
        TxnProduceCheck check = new TxnProduceCheck(coordinator, "id", (short) 12, true, TxnProduceCheck.Retry.DEFAULTS, timer);
        CompletableFuture<TxnProduceCheck.Refusal> p0 = check.add(P0, 7, (short) 1, true);

        // When
        check.send();

        // Then: the client gets it (and retries the request itself) after a bounded number of asks
        assertThat(p0.get(5, TimeUnit.SECONDS).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(coordinator.asked.size()).isBetween(2,
                (int) (TxnProduceCheck.Retry.DEFAULTS.maxMs() / TxnProduceCheck.Retry.DEFAULTS.backoffMs()) + 1);
    }

    @Test
    void shouldFollowTheConfiguredRetrySettings() throws Exception {
        // Given: add.partitions.to.txn.retry.backoff.max.ms=0 (never ask again), and a 1 ms backoff for 1 s
        Script once = new Script(List.of(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS)));
        TxnProduceCheck noRetry = new TxnProduceCheck(once, "id", (short) 12, true, new TxnProduceCheck.Retry(20, 0), timer);
        Script often = new Script(List.of(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS)));
        TxnProduceCheck fast = new TxnProduceCheck(often, "id", (short) 12, true, new TxnProduceCheck.Retry(1, 1_000), timer);
        CompletableFuture<TxnProduceCheck.Refusal> first = noRetry.add(P0, 7, (short) 1, true);
        CompletableFuture<TxnProduceCheck.Refusal> second = fast.add(P0, 7, (short) 1, true);

        // When
        noRetry.send();
        fast.send();

        // Then: the first asks once; the second asks more often than the defaults (at most 100 / 20 + 1) would
        assertThat(first.get(5, TimeUnit.SECONDS).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(once.asked).hasSize(1);
        assertThat(second.get(5, TimeUnit.SECONDS).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(often.asked.size()).isGreaterThan(6);
    }

    @Test
    void shouldNotRetryAVerifyOnlyCheckNorAskForAPartitionWhoseTransactionIsOpenThere() throws Exception {
        // Given: transaction version 1 (verify only), one partition needing no check
        Script coordinator = new Script(List.of(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS)));
        TxnProduceCheck check = new TxnProduceCheck(coordinator, "id", (short) 11, false, TxnProduceCheck.Retry.DEFAULTS, timer);
        CompletableFuture<TxnProduceCheck.Refusal> p0 = check.add(P0, 7, (short) 1, true);
        CompletableFuture<TxnProduceCheck.Refusal> open = check.add(P1, 7, (short) 1, false);

        // When
        check.send();

        // Then: as Kafka, verify-only answers go back unretried (NOT_ENOUGH_REPLICAS for this retriable error)
        assertThat(p0.get(5, TimeUnit.SECONDS).error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(open).isCompletedWithValue(null);
        assertThat(coordinator.asked).containsExactly(List.of(P0));
    }
}
