import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The failover time of issue 10 against any three nodes: kill -9 of partition 0's leader to the first acknowledged
 * acks=all write sent after the kill, with an idempotent producer at the client defaults (request.timeout.ms 30 s,
 * delivery.timeout.ms 120 s) sending a record every 10 ms, as a user's producer would.
 *
 * <p>Run with the source launcher: {@code java -cp <kafka classpath> FailoverTime.java BOOTSTRAP TOPIC PIDS}, PIDS
 * naming each node's process as {@code 1:PID,2:PID,3:PID}. Prints one FAILOVER line; exits 1 when no write is
 * acknowledged within 120 s of the kill.
 */
public final class FailoverTime {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: FailoverTime BOOTSTRAP TOPIC 1:PID,2:PID,3:PID");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        Map<Integer, Long> pids = new java.util.HashMap<>();
        for (String pair : args[2].split(",")) {
            String[] idPid = pair.split(":");
            pids.put(Integer.parseInt(idPid[0]), Long.parseLong(idPid[1]));
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "0");
        props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        AtomicLong firstAckAfterKill = new AtomicLong(-1);
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong acked = new AtomicLong();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            byte[] value = new byte[100];
            long start = System.nanoTime();
            int leader = -1;
            long deadline = Long.MAX_VALUE;
            while (firstAckAfterKill.get() < 0) {
                long now = System.nanoTime();
                if (leader < 0 && now - start > TimeUnit.SECONDS.toNanos(10) && acked.get() > 100) {
                    leader = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                            .get(topic).partitions().get(0).leader().id();
                    ProcessHandle.of(pids.get(leader)).orElseThrow().destroyForcibly();
                    killedAt.set(System.nanoTime());
                    deadline = killedAt.get() + TimeUnit.SECONDS.toNanos(120);
                }
                if (now - deadline > 0) {
                    System.out.println("FAILOVER: no acks=all write acknowledged within 120 s of the kill of leader " + leader);
                    System.exit(1);
                }
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, value), (metadata, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                        if (sent > killedAt.get()) {
                            firstAckAfterKill.compareAndSet(-1, System.nanoTime());
                        }
                    }
                });
                Thread.sleep(10);
            }
            System.out.printf("FAILOVER kill -9 of leader %d -> first acks=all write acknowledged after %d ms%n", leader,
                    (firstAckAfterKill.get() - killedAt.get()) / 1_000_000);
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
