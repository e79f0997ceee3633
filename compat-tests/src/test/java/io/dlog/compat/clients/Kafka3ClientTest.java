package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-clients 3.9.1, loaded in its own class loader (the 4.x client is on the test classpath), driven
 * reflectively: Admin creates a topic, the producer writes, the consumer reads; and both directions
 * across client generations on one topic.
 */
class Kafka3ClientTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final String STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer";
    private static final String STRING_DESERIALIZER = "org.apache.kafka.common.serialization.StringDeserializer";

    private static URLClassLoader kafka3;

    @BeforeAll
    static void loadKafka3() throws IOException, URISyntaxException {
        Path jar = Path.of("target", "kafka3", "kafka-clients-3.jar").toAbsolutePath();
        assertThat(jar).as("copied by maven-dependency-plugin in generate-test-resources").exists();
        URL slf4j = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation();
        kafka3 = new URLClassLoader("kafka-clients-3", new URL[] {jar.toUri().toURL(), slf4j},
                ClassLoader.getPlatformClassLoader());
        assertThat(Path.of(slf4j.toURI())).exists();
        assertThat(Files.size(jar)).isPositive();
    }

    @AfterAll
    static void closeKafka3() throws IOException {
        if (kafka3 != null) {
            kafka3.close();
        }
    }

    @Test
    void shouldRunTheKafka3ClientFromItsOwnClassLoader() throws Exception {
        // When
        Class<?> producerClass = kafka3.loadClass("org.apache.kafka.clients.producer.KafkaProducer");

        // Then
        assertThat(producerClass.getClassLoader()).isSameAs(kafka3);
        assertThat(producerClass).isNotSameAs(KafkaProducer.class);
        String version = (String) kafka3.loadClass("org.apache.kafka.common.utils.AppInfoParser")
                .getMethod("getVersion").invoke(null);
        assertThat(version).startsWith("3.9.");
    }

    @Test
    void shouldCreateProduceAndConsumeWithTheKafka3Client() throws Exception {
        // Given
        String topic = "kafka3-" + System.nanoTime();
        createTopic(topic, 2);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            values.add("v3-" + i);
        }

        // When
        List<Long> offsets = produce(topic, 0, values);
        List<String[]> received = consume(topic, 0, values.size());

        // Then
        assertThat(offsets).containsExactlyElementsOf(ProduceConsumeRoundTripTest.range(0, values.size()));
        assertThat(received).extracting(r -> r[1]).containsExactlyElementsOf(values);
        assertThat(received).extracting(r -> r[0]).containsExactlyElementsOf(values.stream().map(v -> "k-" + v).toList());
    }

    @Test
    void shouldReadAcrossClientGenerations() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, 0, "k-from-4", "from-4")).get(30, TimeUnit.SECONDS);
        }
        produce(topic, 0, List.of("from-3"));

        // When
        List<String[]> readBy3 = consume(topic, 0, 2);
        List<ConsumerRecord<String, String>> readBy4;
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(DLOG.bootstrapServers())) {
            readBy4 = Clients.readFromBeginning(consumer, List.of(tp), 2);
        }

        // Then
        assertThat(readBy3).extracting(r -> r[1]).containsExactly("from-4", "from-3");
        assertThat(readBy4).extracting(ConsumerRecord::value).containsExactly("from-4", "from-3");
    }

    @Test
    void shouldCommitAndAbortTransactionsWithTheKafka3Producer() throws Exception {
        OldClientTransactions.commitAndAbort(kafka3, DLOG.bootstrapServers(), DLOG.newTopic(1), "kafka3-tx");
    }

    private static Properties props() {
        Properties props = new Properties();
        props.put("bootstrap.servers", DLOG.bootstrapServers());
        props.put("request.timeout.ms", "10000");
        props.put("default.api.timeout.ms", "30000");
        return props;
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        Class<?> adminClass = kafka3.loadClass("org.apache.kafka.clients.admin.Admin");
        Class<?> newTopicClass = kafka3.loadClass("org.apache.kafka.clients.admin.NewTopic");
        Object admin = adminClass.getMethod("create", Properties.class).invoke(null, props());
        try {
            Object newTopic = newTopicClass.getConstructor(String.class, int.class, short.class)
                    .newInstance(topic, partitions, (short) 1);
            Object result = adminClass.getMethod("createTopics", Collection.class).invoke(admin, List.of(newTopic));
            Object all = kafka3.loadClass("org.apache.kafka.clients.admin.CreateTopicsResult").getMethod("all").invoke(result);
            futureGet(all);
            Object listed = adminClass.getMethod("listTopics").invoke(admin);
            Object names = kafka3.loadClass("org.apache.kafka.clients.admin.ListTopicsResult").getMethod("names").invoke(listed);
            assertThat(new ArrayList<Object>((Collection<?>) futureGet(names))).contains(topic);
        } finally {
            ((AutoCloseable) admin).close();
        }
    }

    private static Object futureGet(Object kafkaFuture) throws Exception {
        Method get = kafka3.loadClass("org.apache.kafka.common.KafkaFuture").getMethod("get", long.class, TimeUnit.class);
        return unwrap(() -> get.invoke(kafkaFuture, 30L, TimeUnit.SECONDS));
    }

    private static List<Long> produce(String topic, int partition, List<String> values) throws Exception {
        Properties props = props();
        // Class objects, not names: a name would be resolved through the context class loader, which holds 4.x.
        props.put("key.serializer", kafka3.loadClass(STRING_SERIALIZER));
        props.put("value.serializer", kafka3.loadClass(STRING_SERIALIZER));
        props.put("acks", "all");
        props.put("delivery.timeout.ms", "30000");
        props.put("max.block.ms", "30000");
        Class<?> producerClass = kafka3.loadClass("org.apache.kafka.clients.producer.KafkaProducer");
        Class<?> producerInterface = kafka3.loadClass("org.apache.kafka.clients.producer.Producer");
        Class<?> recordClass = kafka3.loadClass("org.apache.kafka.clients.producer.ProducerRecord");
        Class<?> metadataClass = kafka3.loadClass("org.apache.kafka.clients.producer.RecordMetadata");
        Method send = producerInterface.getMethod("send", recordClass);
        Object producer = producerClass.getConstructor(Properties.class).newInstance(props);
        try {
            List<Future<?>> acks = new ArrayList<>();
            for (String value : values) {
                Object record = recordClass.getConstructor(String.class, Integer.class, Object.class, Object.class)
                        .newInstance(topic, partition, "k-" + value, value);
                acks.add((Future<?>) unwrap(() -> send.invoke(producer, record)));
            }
            List<Long> offsets = new ArrayList<>();
            for (Future<?> ack : acks) {
                offsets.add((Long) metadataClass.getMethod("offset").invoke(ack.get(30, TimeUnit.SECONDS)));
            }
            return offsets;
        } finally {
            ((AutoCloseable) producer).close();
        }
    }

    /** Reads {@code count} records from the beginning of one partition: each as {key, value, offset}. */
    private static List<String[]> consume(String topic, int partition, int count) throws Exception {
        Properties props = props();
        props.put("key.deserializer", kafka3.loadClass(STRING_DESERIALIZER));
        props.put("value.deserializer", kafka3.loadClass(STRING_DESERIALIZER));
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        Class<?> consumerClass = kafka3.loadClass("org.apache.kafka.clients.consumer.KafkaConsumer");
        Class<?> consumerInterface = kafka3.loadClass("org.apache.kafka.clients.consumer.Consumer");
        Class<?> partitionClass = kafka3.loadClass("org.apache.kafka.common.TopicPartition");
        Class<?> recordClass = kafka3.loadClass("org.apache.kafka.clients.consumer.ConsumerRecord");
        Object consumer = consumerClass.getConstructor(Properties.class).newInstance(props);
        try {
            List<?> partitions = List.of(partitionClass.getConstructor(String.class, int.class).newInstance(topic, partition));
            consumerInterface.getMethod("assign", Collection.class).invoke(consumer, partitions);
            consumerInterface.getMethod("seekToBeginning", Collection.class).invoke(consumer, partitions);
            Method poll = consumerInterface.getMethod("poll", Duration.class);
            List<String[]> received = new ArrayList<>();
            long deadline = System.nanoTime() + Clients.WAIT.toNanos();
            while (received.size() < count && System.nanoTime() - deadline < 0) {
                Iterable<?> records = (Iterable<?>) unwrap(() -> poll.invoke(consumer, Duration.ofMillis(200)));
                for (Object record : records) {
                    received.add(new String[] {
                        (String) recordClass.getMethod("key").invoke(record),
                        (String) recordClass.getMethod("value").invoke(record),
                        Long.toString((Long) recordClass.getMethod("offset").invoke(record))});
                }
            }
            assertThat(received).as("records read by the 3.x consumer").hasSize(count);
            return received;
        } finally {
            ((AutoCloseable) consumer).close();
        }
    }

    private interface Call {
        Object call() throws Exception;
    }

    /** Reflection wraps what the client threw; tests want the client's own exception. */
    private static Object unwrap(Call call) throws Exception {
        try {
            return call.call();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
