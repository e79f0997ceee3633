package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendError;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A refused TxnOffsetCommit write answers what Kafka's coordinator runtime answers, so that the producer retries it
 * (its TxnOffsetCommit handler treats NOT_LEADER_OR_FOLLOWER or NOT_ENOUGH_REPLICAS as unexpected, and aborts).
 */
class TxnOffsetsWriteErrorTest {

    @Test
    void shouldAnswerWhatKafkasCoordinatorAnswersForARefusedWrite() {
        assertThat(TxnOffsets.writeError(AppendError.NOT_LEADER_OR_FOLLOWER)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(TxnOffsets.writeError(AppendError.KAFKA_STORAGE_ERROR)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(TxnOffsets.writeError(AppendError.NOT_ENOUGH_REPLICAS)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(TxnOffsets.writeError(AppendError.NOT_ENOUGH_REPLICAS_AFTER_APPEND))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(TxnOffsets.writeError(AppendError.MESSAGE_TOO_LARGE)).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(TxnOffsets.writeError(AppendError.INVALID_PRODUCER_EPOCH)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnOffsets.writeError(AppendError.INVALID_TXN_STATE)).isEqualTo(Errors.INVALID_TXN_STATE);
    }
}
