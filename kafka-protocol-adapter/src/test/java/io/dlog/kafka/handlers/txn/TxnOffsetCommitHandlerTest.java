package io.dlog.kafka.handlers.txn;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** What a TxnOffsetCommit gets for a failed transaction check, by version, as Kafka 4 answers it. */
class TxnOffsetCommitHandlerTest {

    @Test
    void shouldTranslateTheCoordinatorsRefusalsAsKafka() {
        // a partition outside the transaction: clients before v4 do not know TRANSACTION_ABORTABLE
        assertThat(TxnOffsetCommitHandler.refusal(Errors.TRANSACTION_ABORTABLE, (short) 3)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(TxnOffsetCommitHandler.refusal(Errors.TRANSACTION_ABORTABLE, (short) 4)).isEqualTo(Errors.TRANSACTION_ABORTABLE);
        // CoordinatorOperationExceptionHelper's translations
        assertThat(TxnOffsetCommitHandler.refusal(Errors.NETWORK_EXCEPTION, (short) 4)).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(TxnOffsetCommitHandler.refusal(Errors.REQUEST_TIMED_OUT, (short) 2)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(TxnOffsetCommitHandler.refusal(Errors.NOT_LEADER_OR_FOLLOWER, (short) 2)).isEqualTo(Errors.NOT_COORDINATOR);
        // the rest as the coordinator said
        assertThat(TxnOffsetCommitHandler.refusal(Errors.INVALID_PRODUCER_EPOCH, (short) 3)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(TxnOffsetCommitHandler.refusal(Errors.CONCURRENT_TRANSACTIONS, (short) 3)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    }
}
