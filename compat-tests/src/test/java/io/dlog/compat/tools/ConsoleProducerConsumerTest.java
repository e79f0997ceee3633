package io.dlog.compat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-console-producer and kafka-console-consumer (kafka-tools 4.3.1). The consumer is given a partition
 * and an offset: without --group it assigns the partition and commits nothing, so no group coordinator is needed.
 */
class ConsoleProducerConsumerTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    private static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldProduceEachLineOfStandardInput() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = ChildJvm.runWithInput(TIMEOUT, "alpha\nbeta\ngamma\n", CONSOLE_PRODUCER,
                "--bootstrap-server", DLOG.bootstrapServers(), "--topic", topic);

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            List<ConsumerRecord<String, String>> records =
                    Clients.readFromBeginning(consumer, List.of(new TopicPartition(topic, 0)), 3);
            assertThat(records).extracting(ConsumerRecord::value).containsExactly("alpha", "beta", "gamma");
        }
    }

    @Test
    void shouldReadBackWhatTheConsoleProducerWrote() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        ChildJvm.Result produced = ChildJvm.runWithInput(TIMEOUT, "one\ntwo\nthree\n", CONSOLE_PRODUCER,
                "--bootstrap-server", DLOG.bootstrapServers(), "--topic", topic);
        assertThat(produced.exitCode()).as(produced.toString()).isZero();

        // When
        ChildJvm.Result consumed = ChildJvm.run(TIMEOUT, CONSOLE_CONSUMER, "--bootstrap-server", DLOG.bootstrapServers(),
                "--topic", topic, "--partition", "0", "--offset", "earliest", "--max-messages", "3", "--timeout-ms", "30000");

        // Then
        assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
        assertThat(consumed.stdoutLines()).containsExactly("one", "two", "three");
        assertThat(consumed.stderr()).contains("Processed a total of 3 messages");
    }

    @Test
    void shouldPrintKeysReadFromTheBeginning() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, 0, "k1", "v1"));
            producer.send(new ProducerRecord<>(topic, 0, "k2", "v2"));
            producer.flush();
        }

        // When
        ChildJvm.Result consumed = ChildJvm.run(TIMEOUT, CONSOLE_CONSUMER, "--bootstrap-server", DLOG.bootstrapServers(),
                "--topic", topic, "--partition", "0", "--from-beginning", "--max-messages", "2", "--timeout-ms", "30000",
                "--formatter-property", "print.key=true", "--formatter-property", "key.separator=|");

        // Then
        assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
        assertThat(consumed.stdoutLines()).containsExactly("k1|v1", "k2|v2");
    }

    @Test
    void shouldProduceKeyedLinesWithParseKey() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);

        // When
        ChildJvm.Result result = ChildJvm.runWithInput(TIMEOUT, "a:1\nb:2\n", CONSOLE_PRODUCER,
                "--bootstrap-server", DLOG.bootstrapServers(), "--topic", topic,
                "--reader-property", "parse.key=true", "--reader-property", "key.separator=:");

        // Then
        assertThat(result.exitCode()).as(result.toString()).isZero();
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            List<ConsumerRecord<String, String>> records =
                    Clients.readFromBeginning(consumer, List.of(new TopicPartition(topic, 0)), 2);
            assertThat(records).extracting(ConsumerRecord::key).containsExactly("a", "b");
            assertThat(records).extracting(ConsumerRecord::value).containsExactly("1", "2");
        }
    }
}
