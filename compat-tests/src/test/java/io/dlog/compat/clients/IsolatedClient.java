package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A kafka-clients generation other than the test classpath's 4.x, loaded in its own class loader (from the jar
 * maven-dependency-plugin copies into target/kafka3) and driven reflectively: Admin, a producer and a consumer.
 * One per test class; not thread-safe.
 */
final class IsolatedClient implements AutoCloseable {
    private static final String STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer";
    private static final String STRING_DESERIALIZER = "org.apache.kafka.common.serialization.StringDeserializer";

    private final URLClassLoader loader;
    private final String bootstrap;

    private IsolatedClient(URLClassLoader loader, String bootstrap) {
        this.loader = loader;
        this.bootstrap = bootstrap;
    }

    /** @param jarName a jar under target/kafka3 */
    static IsolatedClient load(String jarName, String bootstrap) throws IOException, URISyntaxException {
        Path jar = Path.of("target", "kafka3", jarName).toAbsolutePath();
        assertThat(jar).as("copied by maven-dependency-plugin in generate-test-resources").exists();
        assertThat(Files.size(jar)).isPositive();
        URL slf4j = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation();
        assertThat(Path.of(slf4j.toURI())).exists();
        return new IsolatedClient(new URLClassLoader(jarName, new URL[] {jar.toUri().toURL(), slf4j},
                ClassLoader.getPlatformClassLoader()), bootstrap);
    }

    ClassLoader loader() {
        return loader;
    }

    Class<?> loadClass(String name) throws ClassNotFoundException {
        return loader.loadClass(name);
    }

    /** The client's own version string (AppInfoParser, which 4.4 moved to utils.internals). */
    String version() throws Exception {
        Class<?> parser;
        try {
            parser = loader.loadClass("org.apache.kafka.common.utils.AppInfoParser");
        } catch (ClassNotFoundException e) {
            parser = loader.loadClass("org.apache.kafka.common.utils.internals.AppInfoParser");
        }
        return (String) parser.getMethod("getVersion").invoke(null);
    }

    /**
     * Runs {@code call} with this client's class loader as the thread's context class loader: from 4.4 the client
     * loads the classes its configs name (metric reporters among them) through it, and the test classpath's 4.3
     * classes would not be its own.
     */
    <T> T withClientLoader(Callable<T> call) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    public void close() throws IOException {
        loader.close();
    }

    Properties props() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("request.timeout.ms", "10000");
        props.put("default.api.timeout.ms", "30000");
        return props;
    }

    void createTopic(String topic, int partitions, short replicationFactor) throws Exception {
        withClientLoader(() -> {
            createTopicInLoader(topic, partitions, replicationFactor);
            return null;
        });
    }

    private void createTopicInLoader(String topic, int partitions, short replicationFactor) throws Exception {
        Class<?> adminClass = loader.loadClass("org.apache.kafka.clients.admin.Admin");
        Class<?> newTopicClass = loader.loadClass("org.apache.kafka.clients.admin.NewTopic");
        Object admin = adminClass.getMethod("create", Properties.class).invoke(null, props());
        try {
            Object newTopic = newTopicClass.getConstructor(String.class, int.class, short.class)
                    .newInstance(topic, partitions, replicationFactor);
            Object result = adminClass.getMethod("createTopics", Collection.class).invoke(admin, List.of(newTopic));
            futureGet(loader.loadClass("org.apache.kafka.clients.admin.CreateTopicsResult").getMethod("all").invoke(result));
            Object listed = adminClass.getMethod("listTopics").invoke(admin);
            Object names = loader.loadClass("org.apache.kafka.clients.admin.ListTopicsResult").getMethod("names").invoke(listed);
            assertThat(new ArrayList<Object>((Collection<?>) futureGet(names))).contains(topic);
        } finally {
            ((AutoCloseable) admin).close();
        }
    }

    private Object futureGet(Object kafkaFuture) throws Exception {
        Method get = loader.loadClass("org.apache.kafka.common.KafkaFuture").getMethod("get", long.class, TimeUnit.class);
        return unwrap(() -> get.invoke(kafkaFuture, 30L, TimeUnit.SECONDS));
    }

    /** Sends each value (key "k-" + value) with acks=all and {@code settings}; returns the acknowledged offsets. */
    List<Long> produce(String topic, int partition, List<String> values, Map<String, String> settings) throws Exception {
        return withClientLoader(() -> produceInLoader(topic, partition, values, settings));
    }

    private List<Long> produceInLoader(String topic, int partition, List<String> values, Map<String, String> settings)
            throws Exception {
        Properties props = props();
        // Class objects, not names: a name would be resolved through the context class loader, which holds 4.x.
        props.put("key.serializer", loader.loadClass(STRING_SERIALIZER));
        props.put("value.serializer", loader.loadClass(STRING_SERIALIZER));
        props.put("acks", "all");
        props.put("delivery.timeout.ms", "30000");
        props.put("max.block.ms", "30000");
        props.putAll(settings);
        Class<?> producerInterface = loader.loadClass("org.apache.kafka.clients.producer.Producer");
        Class<?> recordClass = loader.loadClass("org.apache.kafka.clients.producer.ProducerRecord");
        Class<?> metadataClass = loader.loadClass("org.apache.kafka.clients.producer.RecordMetadata");
        Method send = producerInterface.getMethod("send", recordClass);
        Object producer = loader.loadClass("org.apache.kafka.clients.producer.KafkaProducer")
                .getConstructor(Properties.class).newInstance(props);
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

    /** A producer of this client kept open across calls (a failover test sends through one instance). */
    final class OpenProducer implements AutoCloseable {
        private final Object producer;
        private final Method send;
        private final Class<?> recordClass;
        private final Method offset;

        private OpenProducer(Map<String, String> settings) throws Exception {
            Properties props = props();
            props.put("key.serializer", loader.loadClass(STRING_SERIALIZER));
            props.put("value.serializer", loader.loadClass(STRING_SERIALIZER));
            props.putAll(settings);
            recordClass = loader.loadClass("org.apache.kafka.clients.producer.ProducerRecord");
            send = loader.loadClass("org.apache.kafka.clients.producer.Producer").getMethod("send", recordClass);
            offset = loader.loadClass("org.apache.kafka.clients.producer.RecordMetadata").getMethod("offset");
            // the producer's I/O thread, started here, inherits the client's loader as its context class loader
            producer = withClientLoader(() -> loader.loadClass("org.apache.kafka.clients.producer.KafkaProducer")
                    .getConstructor(Properties.class).newInstance(props));
        }

        /** Sends {@code value} (key "k-" + value); the future's result is the client's RecordMetadata. */
        Future<?> send(String topic, int partition, String value) throws Exception {
            Object record = recordClass.getConstructor(String.class, Integer.class, Object.class, Object.class)
                    .newInstance(topic, partition, "k-" + value, value);
            return (Future<?>) unwrap(() -> send.invoke(producer, record));
        }

        /** The offset of a RecordMetadata this producer's future returned. */
        long offsetOf(Object metadata) throws Exception {
            return (Long) offset.invoke(metadata);
        }

        @Override
        public void close() throws IOException {
            try {
                ((java.io.Closeable) producer).close();
            } catch (RuntimeException e) {
                throw new IOException("closing the isolated producer", e);
            }
        }
    }

    OpenProducer openProducer(Map<String, String> settings) throws Exception {
        return new OpenProducer(settings);
    }

    /** Reads {@code count} records from the beginning of one partition: each as {key, value, offset}. */
    List<String[]> consume(String topic, int partition, int count) throws Exception {
        return withClientLoader(() -> consumeInLoader(topic, partition, count));
    }

    private List<String[]> consumeInLoader(String topic, int partition, int count) throws Exception {
        Object consumer = newConsumer(Map.of("enable.auto.commit", "false"));
        try {
            Class<?> consumerInterface = loader.loadClass("org.apache.kafka.clients.consumer.Consumer");
            List<?> partitions = List.of(loader.loadClass("org.apache.kafka.common.TopicPartition")
                    .getConstructor(String.class, int.class).newInstance(topic, partition));
            consumerInterface.getMethod("assign", Collection.class).invoke(consumer, partitions);
            consumerInterface.getMethod("seekToBeginning", Collection.class).invoke(consumer, partitions);
            return poll(consumer, count);
        } finally {
            ((AutoCloseable) consumer).close();
        }
    }

    /**
     * Joins {@code group} with {@code group.protocol} ("classic" or "consumer", KIP-848), reads {@code count} records
     * of {@code topic} from the beginning, commits their offsets and leaves: each as {key, value, offset}.
     */
    List<String[]> consumeInGroup(String topic, String group, String protocol, int count) throws Exception {
        return withClientLoader(() -> consumeInGroupInLoader(topic, group, protocol, count));
    }

    private List<String[]> consumeInGroupInLoader(String topic, String group, String protocol, int count)
            throws Exception {
        Object consumer = newConsumer(Map.of("group.id", group, "group.protocol", protocol,
                "enable.auto.commit", "false"));
        try {
            Class<?> consumerInterface = loader.loadClass("org.apache.kafka.clients.consumer.Consumer");
            consumerInterface.getMethod("subscribe", Collection.class).invoke(consumer, List.of(topic));
            List<String[]> received = poll(consumer, count);
            unwrap(() -> consumerInterface.getMethod("commitSync").invoke(consumer));
            return received;
        } finally {
            ((AutoCloseable) consumer).close();
        }
    }

    private Object newConsumer(Map<String, String> settings) throws Exception {
        Properties props = props();
        props.put("key.deserializer", loader.loadClass(STRING_DESERIALIZER));
        props.put("value.deserializer", loader.loadClass(STRING_DESERIALIZER));
        props.put("auto.offset.reset", "earliest");
        props.putAll(settings);
        return loader.loadClass("org.apache.kafka.clients.consumer.KafkaConsumer").getConstructor(Properties.class)
                .newInstance(props);
    }

    private List<String[]> poll(Object consumer, int count) throws Exception {
        Method poll = loader.loadClass("org.apache.kafka.clients.consumer.Consumer").getMethod("poll", Duration.class);
        Class<?> recordClass = loader.loadClass("org.apache.kafka.clients.consumer.ConsumerRecord");
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
        assertThat(received).as("records read by the isolated consumer").hasSize(count);
        return received;
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
