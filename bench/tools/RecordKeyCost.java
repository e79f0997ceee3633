import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a HashMap lookup by a record key costs against the same key with equals and hashCode written out, in each JIT
 * tier. A record's generated methods go through method handles: C2 inlines them, but code that runs interpreted or in
 * C1 (a broker's request path after a deoptimization) pays for every step of the handle chain.
 *
 * <p>Run with the source launcher, once per tier: {@code java bench/tools/RecordKeyCost.java 5000000} (C2 in the end),
 * {@code java -XX:TieredStopAtLevel=1 bench/tools/RecordKeyCost.java 2000000} (C1 only), {@code java -Xint
 * bench/tools/RecordKeyCost.java 200000} (interpreter). Prints ns per lookup for three rounds of N lookups each.
 */
public final class RecordKeyCost {
    /** Shaped as a fetch session's partition key. */
    record Generated(UUID topicId, String topic, int partition) {
    }

    static final class Written {
        final UUID topicId;
        final String topic;
        final int partition;

        Written(UUID topicId, String topic, int partition) {
            this.topicId = topicId;
            this.topic = topic;
            this.partition = partition;
        }

        @Override
        public boolean equals(Object o) {
            return this == o || o instanceof Written w && partition == w.partition && Objects.equals(topic, w.topic)
                    && Objects.equals(topicId, w.topicId);
        }

        @Override
        public int hashCode() {
            return (Objects.hashCode(topicId) * 31 + Objects.hashCode(topic)) * 31 + partition;
        }
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "1000000");
        UUID id = UUID.randomUUID();
        int keys = 20; // about the partitions of a follower's fetch session
        Map<Object, Integer> generated = new HashMap<>();
        Map<Object, Integer> written = new HashMap<>();
        Generated[] g = new Generated[keys];
        Written[] w = new Written[keys];
        for (int i = 0; i < keys; i++) {
            generated.put(new Generated(id, "", i), i);
            written.put(new Written(id, "", i), i);
            g[i] = new Generated(id, "", i);
            w[i] = new Written(id, "", i);
        }
        for (int round = 0; round < 3; round++) {
            long sum = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sum += generated.get(g[i % keys]);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sum += written.get(w[i % keys]);
            }
            long t2 = System.nanoTime();
            System.out.printf("round %d: record key %.1f ns per lookup, written-out key %.1f ns (checksum %d)%n",
                    round, (t1 - t0) / (double) n, (t2 - t1) / (double) n, sum);
        }
    }
}
