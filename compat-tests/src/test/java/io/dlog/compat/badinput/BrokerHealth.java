package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A canary topic: records written through a normal client before and after each bad input, all of
 * which must stay readable. {@link #assertServesAndKeepsEverything()} is the "broker still fine" check.
 */
final class BrokerHealth {
    private final DLogBrokerExtension dlog;
    private final TopicPartition canary;
    private final List<String> written = new ArrayList<>();

    BrokerHealth(DLogBrokerExtension dlog) {
        this.dlog = dlog;
        this.canary = new TopicPartition(dlog.newTopic(1), 0);
    }

    TopicPartition canary() {
        return canary;
    }

    void write(String... values) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(dlog.bootstrapServers())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(canary.topic(), 0, null, value)).get(30, TimeUnit.SECONDS);
                written.add(value);
            }
        }
    }

    /** Records stored by someone else (a raw request) that a reader must also see, in order. */
    void expectAlsoStored(String value) {
        written.add(value);
    }

    /** A normal client can still write, and everything written so far reads back in order. */
    void assertServesAndKeepsEverything() throws Exception {
        write("health-check-" + written.size());
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(dlog.bootstrapServers())) {
            List<ConsumerRecord<String, String>> records = Clients.readFromBeginning(consumer, List.of(canary), written.size());
            assertThat(records).extracting(ConsumerRecord::value).containsExactlyElementsOf(written);
        }
    }
}
