package io.dlog.compat.txn;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.LibrdkafkaTransactions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * librdkafka's transactional producer (confluent-kafka-python): commit, abort, commit over two partitions,
 * read back by librdkafka read_committed and read_uncommitted consumers. Skipped where the library is
 * missing (see {@link LibrdkafkaTransactions#python()}).
 */
class LibrdkafkaTransactionsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldCommitAndAbortWithLibrdkafka() throws Exception {
        String python = LibrdkafkaTransactions.python();
        LibrdkafkaTransactions.commitAbortCommit(python, DLOG.bootstrapServers(), DLOG.newTopic(2), "librdkafka-tx", 2);
    }
}
