import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How soon a new topic takes writes (issue 10): creates a 6-partition RF 3 topic (min.insync.replicas=2) with the
 * Admin client, then at once sends one 100-byte acks=all record to each partition from a producer that is already
 * connected, and prints how long the create took and how long after it the first and the last partition acknowledged.
 * The topic is deleted after each round; rounds are 1 s apart.
 *
 * <p>Run with the source launcher: {@code java -cp <kafka classpath> CreateThenWrite.java BOOTSTRAP ROUNDS}.
 */
public final class CreateThenWrite {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CreateThenWrite BOOTSTRAP ROUNDS");
            System.exit(2);
        }
        String bootstrap = args[0];
        int rounds = Integer.parseInt(args[1]);
        Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrap);
        Properties producer = new Properties();
        producer.put("bootstrap.servers", bootstrap);
        producer.put("acks", "all");
        producer.put("key.serializer", ByteArraySerializer.class.getName());
        producer.put("value.serializer", ByteArraySerializer.class.getName());
        try (Admin a = Admin.create(admin); KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer)) {
            // Connect the producer first (a topic that exists: its own warm-up topic), so that rounds time the new
            // topic, not the client's first connection.
            String warm = "create-then-write-warm";
            a.createTopics(List.of(new NewTopic(warm, 1, (short) 3))).all().get();
            p.send(new ProducerRecord<>(warm, new byte[1])).get();
            long createSum = 0;
            long lastSum = 0;
            for (int r = 1; r <= rounds; r++) {
                String topic = "create-then-write-" + r;
                long t0 = System.nanoTime();
                a.createTopics(List.of(new NewTopic(topic, 6, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                        .all().get();
                long created = System.nanoTime();
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int partition = 0; partition < 6; partition++) {
                    sent.add(p.send(new ProducerRecord<>(topic, partition, null, new byte[100])));
                }
                long first = 0;
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                }
                long last = System.nanoTime();
                System.out.printf("round %d: create %d ms; after it, first partition acked %d ms, all six %d ms%n", r,
                        ms(created - t0), ms(first - created), ms(last - created));
                createSum += ms(created - t0);
                lastSum += ms(last - created);
                a.deleteTopics(List.of(topic)).all().get();
                Thread.sleep(1000);
            }
            System.out.printf("mean: create %d ms, all six acked %d ms after it%n", createSum / rounds, lastSum / rounds);
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
