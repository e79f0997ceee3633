package io.dlog.compat.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's own exactly-once system-test tool, TransactionalMessageCopier (kafka-tools 4.3.1, a child
 * JVM), copying a partition with random aborts: the read_committed copy is the input, once, in order.
 */
@Timeout(180)
class TransactionalMessageCopierTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final int MESSAGES = 500;

    @Test
    void shouldCopyEveryMessageExactlyOnceDespiteRandomAborts() throws Exception {
        // Given
        String input = DLOG.newTopic(1);
        String output = DLOG.newTopic(1);
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < MESSAGES; i++) {
                values.add("m" + i);
                producer.send(new ProducerRecord<>(input, 0, Integer.toString(i), "m" + i));
            }
        }

        // When
        ChildJvm.Result copier = ChildJvm.run(Duration.ofSeconds(150), "org.apache.kafka.tools.TransactionalMessageCopier",
                "--broker-list", DLOG.bootstrapServers(), "--input-topic", input, "--input-partition", "0",
                "--output-topic", output, "--transactional-id", "copier-" + input, "--consumer-group", "copier-" + input,
                "--max-messages", Integer.toString(MESSAGES), "--transaction-size", "50", "--enable-random-aborts",
                "--use-group-metadata");

        // Then
        assertThat(copier.exitCode()).as(copier.toString()).isZero();
        assertThat(copier.stdout()).contains("\"remaining\":0");
        assertThat(TransactionsTest.readAll(DLOG.bootstrapServers(), output, IsolationLevel.READ_COMMITTED))
                .containsExactlyElementsOf(values);
    }
}
