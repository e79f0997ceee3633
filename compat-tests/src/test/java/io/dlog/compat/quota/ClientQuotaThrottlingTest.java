package io.dlog.compat.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client quotas enforced by throttling, as Kafka does, with Kafka's 4.3.1 clients: a producer and a
 * consumer with a 1 MiB/s quota each (client-id entities), both as fast as they can, are held to their
 * quota within 10%. A functional check of throttling, not a performance figure.
 *
 * <p>Kafka measures a rate over {@code quota.window.num} (11) windows of one second, so a client starts
 * with a burst of about 10 s worth of its quota and, once throttled, sends in a cycle of 11 s (the burst
 * window expiring lets the next burst through). The rate is therefore measured over one whole cycle,
 * from 5.5 s to 16.5 s after the first byte: any 11 s hold about 11 s worth of quota.
 *
 * <p>request_percentage: a producer sending one record at a time over a tiny quota is throttled and gets
 * far fewer requests through than one alongside it within a large quota (counts compared within one run,
 * wide bounds).
 */
class ClientQuotaThrottlingTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final double QUOTA = 1024 * 1024; // bytes per second
    private static final int VALUE_BYTES = 10_000;
    private static final long FROM_MS = 5_500;
    private static final long TO_MS = 16_500;

    /** One acknowledged or consumed value: when (ms since the first) and how many bytes. */
    private record Sample(long atNanos, int bytes) {
    }

    @Test
    void shouldThrottleAProducerAndAConsumerToTheirByteRates() throws Exception {
        // Given: a topic already holding more than the consumer may take in the measured time
        String consumed = DLOG.newTopic(1);
        String produced = DLOG.newTopic(1);
        fill(consumed, 40 * 1024 * 1024);
        try (Admin admin = DLOG.admin()) {
            admin.alterClientQuotas(List.of(
                    quota("throttled-producer", "producer_byte_rate"),
                    quota("throttled-consumer", "consumer_byte_rate"))).all().get(30, TimeUnit.SECONDS);
        }

        // When: both run at once, as fast as they can
        CompletableFuture<Double> producerRate = CompletableFuture.supplyAsync(() -> produceFlat(produced));
        CompletableFuture<Double> consumerRate = CompletableFuture.supplyAsync(() -> consumeFlat(consumed));

        // Then
        assertThat(producerRate.get(60, TimeUnit.SECONDS) / QUOTA).as("producer rate / quota").isBetween(0.9, 1.1);
        assertThat(consumerRate.get(60, TimeUnit.SECONDS) / QUOTA).as("consumer rate / quota").isBetween(0.9, 1.1);
    }

    /** What one producer got through in a run: acknowledged sends and the longest throttle it was told of. */
    private record OneByOne(int acknowledged, double throttleTimeMaxMs) {
    }

    @Test
    void shouldThrottleAClientOverItsRequestPercentageAndNotOneWithinIt() throws Exception {
        // Given: "busy-client" may use 0.01% of one broker thread (0.1 ms of work per second),
        // "free-client" 200% (a client waiting for each answer keeps at most one thread busy)
        String topic = DLOG.newTopic(1);
        try (Admin admin = DLOG.admin()) {
            admin.alterClientQuotas(List.of(requestQuota("busy-client", 0.01), requestQuota("free-client", 200)))
                    .all().get(30, TimeUnit.SECONDS);
        }

        // When: both send one record at a time, each waiting for its acknowledgement, side by side
        CompletableFuture<OneByOne> busy = CompletableFuture.supplyAsync(() -> sendOneByOne(topic, "busy-client"));
        CompletableFuture<OneByOne> free = CompletableFuture.supplyAsync(() -> sendOneByOne(topic, "free-client"));

        // Then: the busy one is told to back off (throttle_time_ms in its responses) and gets far fewer
        // requests through; the one within its quota is never throttled
        OneByOne busyRun = busy.get(60, TimeUnit.SECONDS);
        OneByOne freeRun = free.get(60, TimeUnit.SECONDS);
        System.out.printf("request_percentage: busy %s, free %s%n", busyRun, freeRun);
        assertThat(busyRun.throttleTimeMaxMs()).as("busy client's produce-throttle-time-max").isPositive();
        assertThat(freeRun.throttleTimeMaxMs() > 0).as("free client throttled: " + freeRun).isFalse();
        assertThat(busyRun.acknowledged()).as("busy vs free acknowledged sends")
                .isLessThan(freeRun.acknowledged() / 2);
    }

    private static ClientQuotaAlteration requestQuota(String clientId, double percentage) {
        return new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId)),
                List.of(new ClientQuotaAlteration.Op("request_percentage", percentage)));
    }

    /** Sends one record at a time for 5 s; what got through and the producer's produce-throttle-time-max. */
    private static OneByOne sendOneByOne(String topic, String clientId) {
        Properties props = producerProps(clientId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            int acknowledged = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
                producer.send(new ProducerRecord<>(topic, new byte[10])).get();
                acknowledged++;
            }
            double throttleMax = producer.metrics().entrySet().stream()
                    .filter(e -> e.getKey().name().equals("produce-throttle-time-max")
                            && e.getKey().group().equals("producer-metrics"))
                    .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                    .findFirst().orElseThrow();
            return new OneByOne(acknowledged, throttleMax);
        } catch (Exception e) {
            throw new IllegalStateException(clientId + " failed", e);
        }
    }

    private static ClientQuotaAlteration quota(String clientId, String key) {
        return new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId)),
                List.of(new ClientQuotaAlteration.Op(key, QUOTA)));
    }

    private static Properties producerProps(String clientId) {
        Properties props = DLOG.clientProps();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    private static void fill(String topic, int bytes) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps("filler"))) {
            byte[] value = new byte[VALUE_BYTES];
            for (int sent = 0; sent < bytes; sent += VALUE_BYTES) {
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }
    }

    /** Sends for {@link #TO_MS} and returns the acknowledged bytes per second in [FROM_MS, TO_MS). */
    private static double produceFlat(String topic) {
        ConcurrentLinkedQueue<Sample> acked = new ConcurrentLinkedQueue<>();
        AtomicBoolean failed = new AtomicBoolean();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps("throttled-producer"))) {
            byte[] value = new byte[VALUE_BYTES];
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(TO_MS)) {
                producer.send(new ProducerRecord<>(topic, value), (metadata, error) -> {
                    if (error != null) {
                        failed.set(true);
                    } else {
                        acked.add(new Sample(System.nanoTime(), VALUE_BYTES));
                    }
                });
            }
            double rate = rate(new ArrayList<>(acked), start);
            assertThat(failed).as("a send failed").isFalse();
            producer.close(Duration.ZERO); // what is still buffered is not part of the measure (close fails it)
            System.out.printf("producer: %.0f B/s over [%d, %d) ms%n", rate, FROM_MS, TO_MS);
            return rate;
        }
    }

    /** Consumes for {@link #TO_MS} after its first record and returns the bytes per second in [FROM_MS, TO_MS). */
    private static double consumeFlat(String topic) {
        Properties props = DLOG.clientProps();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "throttled-consumer");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<Sample> received = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            long start = -1;
            while (start < 0 || System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(TO_MS)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (start < 0) {
                        start = now;
                    }
                    received.add(new Sample(now, record.value().length));
                }
            }
            double rate = rate(received, start);
            System.out.printf("consumer: %.0f B/s over [%d, %d) ms%n", rate, FROM_MS, TO_MS);
            return rate;
        }
    }

    private static double rate(List<Sample> samples, long startNanos) {
        long bytes = 0;
        for (Sample sample : samples) {
            long at = TimeUnit.NANOSECONDS.toMillis(sample.atNanos() - startNanos);
            if (at >= FROM_MS && at < TO_MS) {
                bytes += sample.bytes();
            }
        }
        return bytes / ((TO_MS - FROM_MS) / 1000.0);
    }
}
