package io.dlog.kafka.handlers.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.TopicPartition;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CheckedAppendOrderTest {
    private final CheckedAppendOrder order = new CheckedAppendOrder();
    private final TopicPartition tp = new TopicPartition("t", 0);
    private final List<String> appended = new CopyOnWriteArrayList<>();

    private CompletableFuture<String> call(TopicPartition partition, long producerId, CompletableFuture<String> check,
                                           String name) {
        return order.after(partition, producerId, check, (value, failure) -> {
            appended.add(name + (failure != null ? "!" : ""));
            return CompletableFuture.completedFuture(name);
        });
    }

    @Test
    void shouldAppendAProducersBatchesInArrivalOrderWhenTheirChecksAnswerOutOfOrder() {
        // Given
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = CompletableFuture.completedFuture("ok");

        // When: the second request's check answers first
        CompletableFuture<String> a = call(tp, 1, first, "first");
        CompletableFuture<String> b = call(tp, 1, second, "second");
        List<String> beforeFirstCheck = List.copyOf(appended);
        first.complete("ok");

        // Then
        assertThat(beforeFirstCheck).isEmpty();
        assertThat(appended).containsExactly("first", "second");
        assertThat(a).isCompletedWithValue("first");
        assertThat(b).isCompletedWithValue("second");
        assertThat(order.waiting()).isZero();
    }

    @Test
    void shouldAppendAtOnceWithoutRegisteringWhenTheCheckIsDoneAndNothingWaits() {
        // Given: the usual case, a transaction open on the partition already (no check to wait for)
        List<Integer> waitingDuringAppend = new CopyOnWriteArrayList<>();
        Thread caller = Thread.currentThread();

        // When
        CompletableFuture<String> result = order.after(tp, 1, CompletableFuture.completedFuture("ok"), (value, failure) -> {
            waitingDuringAppend.add(Thread.currentThread() == caller ? order.waiting() : -1);
            return CompletableFuture.completedFuture(value);
        });

        // Then: run on the caller's thread with no bookkeeping (no entry a later call would have to wait on)
        assertThat(result).isCompletedWithValue("ok");
        assertThat(waitingDuringAppend).containsExactly(0);
        assertThat(order.waiting()).isZero();
    }

    @Test
    void shouldNotHoldOtherProducersOrPartitions() {
        // Given
        CompletableFuture<String> slow = new CompletableFuture<>();

        // When
        call(tp, 1, slow, "slow");
        call(tp, 2, CompletableFuture.completedFuture("ok"), "other-producer");
        call(new TopicPartition("t", 1), 1, CompletableFuture.completedFuture("ok"), "other-partition");

        // Then
        assertThat(appended).containsExactly("other-producer", "other-partition");
        slow.complete("ok");
        assertThat(appended).containsExactly("other-producer", "other-partition", "slow");
    }

    @Test
    void shouldPassAFailedCheckOnAndKeepTheOrderGoing() {
        // Given
        CompletableFuture<String> failed = new CompletableFuture<>();

        // When
        call(tp, 1, failed, "failed");
        CompletableFuture<String> next = call(tp, 1, CompletableFuture.completedFuture("ok"), "next");
        failed.completeExceptionally(new IllegalStateException("coordinator gone"));

        // Then
        assertThat(appended).containsExactly("failed!", "next");
        assertThat(next).isCompletedWithValue("next");
        assertThat(order.waiting()).isZero();
    }
}
