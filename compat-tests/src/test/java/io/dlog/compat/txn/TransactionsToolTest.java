package io.dlog.compat.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-transactions (TransactionsCommand from kafka-tools 4.3.1, a child JVM since it exits the JVM):
 * list, describe and describe-producers on an open transaction, then abort of the hanging transaction
 * by partition and start offset (DescribeProducers, then WriteTxnMarkers from the admin client).
 */
@Timeout(180)
class TransactionsToolTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static ChildJvm.Result transactions(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = DLOG.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildJvm.run(Duration.ofSeconds(60), "org.apache.kafka.tools.TransactionsCommand", all);
    }

    private static long readCommittedEnd(TopicPartition tp) throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
        }
    }

    @Test
    void shouldListDescribeAndAbortAHangingTransaction() throws Exception {
        // Given an open transaction on partition 0
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tool-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "hanging")).get();

            // When / Then
            ChildJvm.Result list = transactions("list");
            assertThat(list.exitCode()).as(list.toString()).isZero();
            assertThat(list.stdout()).containsPattern("tool-tx\\s+\\S+\\s+\\d+\\s+Ongoing");

            ChildJvm.Result describe = transactions("describe", "--transactional-id", "tool-tx");
            assertThat(describe.exitCode()).as(describe.toString()).isZero();
            assertThat(describe.stdout()).contains("Ongoing").contains(topic + "-0");

            ChildJvm.Result producers = transactions("describe-producers", "--topic", topic, "--partition", "0");
            assertThat(producers.exitCode()).as(producers.toString()).isZero();
            // ProducerId ProducerEpoch LatestCoordinatorEpoch LastSequence LastTimestamp CurrentTransactionStartOffset
            assertThat(producers.stdoutLines()).anySatisfy(line -> assertThat(line).matches("\\s*\\d+\\s+0\\s+-?\\d+\\s+0\\s+\\d+\\s+0\\s*"));
            assertThat(readCommittedEnd(tp)).isZero();

            ChildJvm.Result abort = transactions("abort", "--topic", topic, "--partition", "0", "--start-offset", "0");
            assertThat(abort.exitCode()).as(abort.toString()).isZero();

            // the abort marker at offset 1 ends the transaction on the partition
            assertThat(readCommittedEnd(tp)).isEqualTo(2);
            assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED)).isEmpty();
            List<String> all = TransactionsTest.readAll(DLOG.bootstrapServers(), topic, IsolationLevel.READ_UNCOMMITTED);
            assertThat(all).containsExactly("hanging");
            producer.close(Duration.ZERO);
        }
    }
}
