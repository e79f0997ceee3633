package io.dlog.kafka.group;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;

/** Injected time and topics for coordinator tests (the clock for the share group coordinator's too). */
public final class GroupTestSupport {

    private GroupTestSupport() {
    }

    /** A clock tests move by hand. */
    public static final class ManualClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        public void advance(long ms) {
            millis.addAndGet(ms);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public long millis() {
            return millis.get();
        }
    }

    /** Topics in a map. */
    static final class Topics implements TopicMetadata {
        final Map<String, Integer> partitions = new HashMap<>();
        final Map<String, Uuid> ids = new HashMap<>();
        /** Group config overrides, as the metadata image would hold them. */
        final Map<String, Map<String, String>> groupConfigs = new HashMap<>();
        /** Leader epochs of this node's __consumer_offsets partitions, where a test moves them (else 0; -1: led elsewhere). */
        final Map<Integer, Integer> offsetsEpochs = new HashMap<>();

        @Override
        public int offsetsPartitionEpoch(int p) {
            return offsetsEpochs.getOrDefault(p, 0);
        }

        @Override
        public Map<String, String> groupConfigs(String groupId) {
            return groupConfigs.getOrDefault(groupId, Map.of());
        }

        Topics with(String name, int count) {
            partitions.put(name, count);
            ids.putIfAbsent(name, Uuid.randomUuid());
            return this;
        }

        @Override
        public int partitions(String topic) {
            return partitions.getOrDefault(topic, -1);
        }

        @Override
        public Optional<String> name(Uuid topicId) {
            return ids.entrySet().stream().filter(e -> e.getValue().equals(topicId)).map(Map.Entry::getKey).findFirst();
        }

        @Override
        public Uuid id(String topic) {
            return ids.getOrDefault(topic, Uuid.ZERO_UUID);
        }

        @Override
        public List<String> names() {
            return List.copyOf(partitions.keySet());
        }
    }

    static GroupCoordinator loaded(GroupConfig config, Topics topics, ManualClock clock, InMemoryGroupStore store) throws Exception {
        GroupCoordinator coordinator = new GroupCoordinator(config, topics, clock);
        coordinator.load(store);
        return coordinator;
    }
}
