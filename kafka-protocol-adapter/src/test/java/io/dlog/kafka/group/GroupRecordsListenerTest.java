package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.group.GroupTestSupport.ManualClock;
import io.dlog.kafka.group.GroupTestSupport.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The group coordinator hands the records of key types it does not read (share groups') to its
 * {@link GroupRecordsListener} whenever it loads a partition, tells it when it unloads one, and appends such
 * records to the group's partition.
 */
class GroupRecordsListenerTest {
    private static final String GROUP = "queue-group";
    private static final int PARTITIONS = 4; // InMemoryGroupStore's
    private static final int PARTITION = (GROUP.hashCode() & 0x7fffffff) % PARTITIONS;

    private final ManualClock clock = new ManualClock();
    private final Topics topics = new Topics();
    private final InMemoryGroupStore store = new InMemoryGroupStore();
    private final Recording listener = new Recording();

    /** What the listener was told, in order. */
    private static final class Recording implements GroupRecordsListener {
        final List<List<Record>> loads = new ArrayList<>();
        final List<Predicate<String>> loaded = new ArrayList<>();
        final List<Predicate<String>> unloaded = new ArrayList<>();

        @Override
        public void onLoad(Predicate<String> inPartitions, List<Record> records) {
            loads.add(List.copyOf(records));
            loaded.add(inPartitions);
        }

        @Override
        public void onUnload(Predicate<String> inPartitions) {
            unloaded.add(inPartitions);
        }
    }

    /** A record of type 11 (Kafka's ShareGroupMetadataKey), which the group coordinator does not read. */
    private static GroupRecordsListener.Record shareRecord(int epoch) {
        byte[] key = ByteBuffer.allocate(2 + 2 + GROUP.length()).putShort((short) 11).putShort((short) GROUP.length())
                .put(GROUP.getBytes(java.nio.charset.StandardCharsets.UTF_8)).array();
        return new GroupRecordsListener.Record(key, ByteBuffer.allocate(4).putInt(epoch).array());
    }

    @Test
    void shouldReplayOtherRecordTypesToTheListenerAndAppendThemToTheGroupsPartition() throws Exception {
        // Given: a share record in the group's partition, beside an offset commit
        store.append(PARTITION, List.of(GroupRecords.offset("other", "orders", 0, new GroupRecords.OffsetValue(5, -1, "", 0)),
                new GroupRecords.Record(shareRecord(1).key(), shareRecord(1).value())));
        GroupCoordinator coordinator = new GroupCoordinator(GroupConfig.DEFAULTS, topics, clock);
        coordinator.setRecordsListener(listener);

        // When: the coordinator loads
        coordinator.load(store);

        // Then: the listener gets the share record only, and forgets every group first
        assertThat(listener.loads).hasSize(1);
        assertThat(listener.loads.get(0)).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(shareRecord(1).key());
            assertThat(r.value()).isEqualTo(shareRecord(1).value());
        });
        assertThat(listener.loaded.get(0).test(GROUP)).isTrue();

        // When: another share record is appended through the coordinator
        coordinator.appendRecords(GROUP, List.of(shareRecord(2))).get();

        // Then: it is in the group's partition
        InMemoryGroupStore.Entry last = store.entries.get(store.entries.size() - 1);
        assertThat(last.partition()).isEqualTo(PARTITION);
        assertThat(last.record().value()).isEqualTo(shareRecord(2).value());
    }

    @Test
    void shouldUnloadAndReloadTheListenersGroupsAsThePartitionsLeadershipMoves() throws Exception {
        // Given: a loaded coordinator with a share record in the group's partition
        store.append(PARTITION, List.of(new GroupRecords.Record(shareRecord(3).key(), shareRecord(3).value())));
        GroupCoordinator coordinator = new GroupCoordinator(GroupConfig.DEFAULTS, topics, clock);
        coordinator.setRecordsListener(listener);
        coordinator.load(store);

        // When: another node leads the partition
        topics.offsetsEpochs.put(PARTITION, -1);
        coordinator.tick();

        // Then: the listener forgets the partition's groups, and loads nothing
        assertThat(listener.unloaded).singleElement().satisfies(p -> {
            assertThat(p.test(GROUP)).isTrue();
            assertThat(p.test(otherPartitionsGroup())).isFalse();
        });
        assertThat(listener.loads).hasSize(1);

        // When: this node leads it again, at a new epoch: loaded on the next tick, without a request for its groups
        topics.offsetsEpochs.put(PARTITION, 2);
        coordinator.tick();

        // Then: the listener gets the partition's share records again, for that partition's groups only
        assertThat(listener.loads).hasSize(2);
        assertThat(listener.loads.get(1)).singleElement().satisfies(r -> assertThat(r.value()).isEqualTo(shareRecord(3).value()));
        assertThat(listener.loaded.get(1).test(GROUP)).isTrue();
        assertThat(listener.loaded.get(1).test(otherPartitionsGroup())).isFalse();
        assertThat(coordinator.availability(GROUP)).isNull();
    }

    @Test
    void shouldReloadWhatWasLoadedBeforeTheListenerCame() throws Exception {
        // Given: a coordinator loaded before any listener was registered
        store.append(PARTITION, List.of(new GroupRecords.Record(shareRecord(4).key(), shareRecord(4).value())));
        GroupCoordinator coordinator = GroupTestSupport.loaded(GroupConfig.DEFAULTS, topics, clock, store);

        // When: the listener registers, and the coordinator ticks
        coordinator.setRecordsListener(listener);
        coordinator.tick();

        // Then: it has the records all the same
        assertThat(listener.loads).anySatisfy(records -> assertThat(records).singleElement()
                .satisfies(r -> assertThat(r.value()).isEqualTo(shareRecord(4).value())));
    }

    private static String otherPartitionsGroup() {
        for (int i = 0; ; i++) {
            String id = "g" + i;
            if ((id.hashCode() & 0x7fffffff) % PARTITIONS != PARTITION) {
                return id;
            }
        }
    }
}
