package io.dlog.kafka.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendError;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A refused coordinator write (offsets, transaction state) answers what Kafka's coordinators answer, so that clients
 * retry it: the producer's TxnOffsetCommit handler treats NOT_LEADER_OR_FOLLOWER or NOT_ENOUGH_REPLICAS as unexpected,
 * and aborts.
 */
class CoordinatorWriteErrorTest {

    @Test
    void shouldAnswerWhatKafkasCoordinatorsAnswerForARefusedWrite() {
        assertThat(InternalTopicLog.coordinatorError(AppendError.NOT_LEADER_OR_FOLLOWER)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(InternalTopicLog.coordinatorError(AppendError.KAFKA_STORAGE_ERROR)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(InternalTopicLog.coordinatorError(AppendError.NOT_ENOUGH_REPLICAS))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(InternalTopicLog.coordinatorError(AppendError.NOT_ENOUGH_REPLICAS_AFTER_APPEND))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(InternalTopicLog.coordinatorError(AppendError.MESSAGE_TOO_LARGE)).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(InternalTopicLog.coordinatorError(AppendError.INVALID_PRODUCER_EPOCH))
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(InternalTopicLog.coordinatorError(AppendError.INVALID_TXN_STATE)).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void shouldFindTheRefusalUnderTheFailureOfAWriteAndElseAnswerNotCoordinator() {
        // as a dependent stage sees a failed appendOrFail: wrapped in a CompletionException
        Throwable shortIsr = new CompletionException(new InternalTopicLog.WriteRefused(
                AppendError.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "too few in sync"));
        Throwable moved = new CompletionException(new InternalTopicLog.WriteRefused(
                AppendError.NOT_LEADER_OR_FOLLOWER, "leadership moved"));

        assertThat(InternalTopicLog.coordinatorError(shortIsr)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(InternalTopicLog.coordinatorError(moved)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(InternalTopicLog.coordinatorError(new IllegalStateException("log closed")))
                .isEqualTo(Errors.NOT_COORDINATOR);
        // and only a short ISR is logged as such, without a stack trace
        assertThat(InternalTopicLog.tooFewInSync(shortIsr)).isTrue();
        assertThat(InternalTopicLog.tooFewInSync(moved)).isFalse();
    }
}
