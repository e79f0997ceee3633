package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A transactional producer of another kafka-clients generation (older, or 4.4), loaded in its own class loader and
 * driven reflectively: one committed transaction of two records and one aborted of one, checked with
 * 4.x consumers (read_committed sees the committed records only, read_uncommitted all three).
 */
public final class OldClientTransactions {
    private static final String STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer";

    private OldClientTransactions() {
    }

    public static void commitAndAbort(ClassLoader client, String bootstrap, String topic, String transactionalId) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        // Class objects, not names: a name would be resolved through the context class loader, which holds 4.x.
        props.put("key.serializer", client.loadClass(STRING_SERIALIZER));
        props.put("value.serializer", client.loadClass(STRING_SERIALIZER));
        props.put("transactional.id", transactionalId);
        props.put("max.block.ms", "30000");
        Class<?> producerInterface = client.loadClass("org.apache.kafka.clients.producer.Producer");
        Class<?> recordClass = client.loadClass("org.apache.kafka.clients.producer.ProducerRecord");
        Method send = producerInterface.getMethod("send", recordClass);
        // From 4.4 the client loads the classes its configs name (metric reporters) through the context class loader
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(client);
        Object producer = null;
        try {
            producer = client.loadClass("org.apache.kafka.clients.producer.KafkaProducer")
                    .getConstructor(Properties.class).newInstance(props);
            invoke(producerInterface.getMethod("initTransactions"), producer);
            for (String[] txn : new String[][] {{"commit", "c1", "c2"}, {"abort", "a1"}}) {
                invoke(producerInterface.getMethod("beginTransaction"), producer);
                for (int i = 1; i < txn.length; i++) {
                    Object record = recordClass.getConstructor(String.class, Integer.class, Object.class, Object.class)
                            .newInstance(topic, 0, "k", txn[i]);
                    ((Future<?>) invoke(send, producer, record)).get(30, TimeUnit.SECONDS);
                }
                String end = txn[0].equals("commit") ? "commitTransaction" : "abortTransaction";
                invoke(producerInterface.getMethod(end), producer);
            }
        } finally {
            if (producer != null) {
                ((AutoCloseable) producer).close();
            }
            thread.setContextClassLoader(previous);
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(bootstrap, Map.of("isolation.level", "read_committed"))) {
            assertThat(Clients.readFromBeginning(consumer, List.of(tp), 2)).extracting(ConsumerRecord::value)
                    .containsExactly("c1", "c2");
        }
        try (KafkaConsumer<String, String> consumer = Clients.stringConsumer(bootstrap)) {
            assertThat(Clients.readFromBeginning(consumer, List.of(tp), 3)).extracting(ConsumerRecord::value)
                    .containsExactly("c1", "c2", "a1");
        }
    }

    /** Reflection wraps what the client threw; tests want the client's own exception. */
    private static Object invoke(Method method, Object target, Object... args) throws Exception {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
