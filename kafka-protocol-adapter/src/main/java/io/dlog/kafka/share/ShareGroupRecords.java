package io.dlog.kafka.share;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Kafka's share group records in {@code __consumer_offsets} (group coordinator, KIP-932), as Kafka 4.3 lays
 * them out: ShareGroupMetadataKey (record type 11) {group_id} with ShareGroupMetadataValue v0 {epoch,
 * metadata_hash}, and ShareGroupStatePartitionMetadataKey (type 15) {group_id} with
 * ShareGroupStatePartitionMetadataValue v0 {initializing_topics, initialized_topics, deleting_topics}: which
 * share-partitions have state at their share coordinators. Keys are non-flexible after a version short that
 * names the type; values flexible after a version short. Built with kafka-clients' protocol types, field for
 * field as Kafka's schemas (checked against Kafka's own classes in compat-tests'
 * {@code ShareGroupRecordsKafkaTest}). The rest of {@code __consumer_offsets} is DLog's own format
 * ({@code io.dlog.kafka.group.GroupRecords}), whose key types (0, 1) these do not collide with.
 * DLog writes metadata_hash 0 (it keeps no topic hash) and never writes the member and assignment records
 * (types 10, 12-14): members join again after a coordinator move. Stateless.
 */
final class ShareGroupRecords {
    static final short METADATA = 11;
    static final short STATE_PARTITION_METADATA = 15;
    private static final short VALUE_VERSION = 0;

    private static final Schema KEY = new Schema(new Field("group_id", Type.STRING));
    private static final Schema METADATA_VALUE = new Schema(new Field("epoch", Type.INT32),
            new Field("metadata_hash", Type.INT64), Field.TaggedFieldsSection.of());
    private static final Schema TOPIC_PARTITIONS = new Schema(new Field("topic_id", Type.UUID),
            new Field("topic_name", Type.COMPACT_STRING), new Field("partitions", new CompactArrayOf(Type.INT32)),
            Field.TaggedFieldsSection.of());
    private static final Schema TOPIC = new Schema(new Field("topic_id", Type.UUID),
            new Field("topic_name", Type.COMPACT_STRING), Field.TaggedFieldsSection.of());
    private static final Schema STATE_PARTITION_VALUE = new Schema(
            new Field("initializing_topics", new CompactArrayOf(TOPIC_PARTITIONS)),
            new Field("initialized_topics", new CompactArrayOf(TOPIC_PARTITIONS)),
            new Field("deleting_topics", new CompactArrayOf(TOPIC)), Field.TaggedFieldsSection.of());

    /** A decoded key: its record type and group. */
    record Key(short type, String groupId) {
    }

    /**
     * The share-partitions of a group by their state at the share coordinators, per topic id: being initialized
     * (assigned; their leader initializes them on first fetch), initialized (state exists), being deleted.
     */
    record StatePartitions(Map<UUID, Set<Integer>> initializing, Map<UUID, Set<Integer>> initialized, Set<UUID> deleting) {
        static final StatePartitions EMPTY = new StatePartitions(Map.of(), Map.of(), Set.of());
    }

    private ShareGroupRecords() {
    }

    static byte[] metadataKey(String groupId) {
        return key(METADATA, groupId);
    }

    static byte[] statePartitionMetadataKey(String groupId) {
        return key(STATE_PARTITION_METADATA, groupId);
    }

    private static byte[] key(short type, String groupId) {
        return ShareStateRecords.withVersion(type, KEY, new Struct(KEY).set("group_id", groupId));
    }

    static byte[] metadataValue(int epoch) {
        return ShareStateRecords.withVersion(VALUE_VERSION, METADATA_VALUE, new Struct(METADATA_VALUE).set("epoch", epoch)
                .set("metadata_hash", 0L).set("_tagged_fields", new TreeMap<Integer, Object>()));
    }

    /** @param names a topic's name by id (Kafka stores both; DLog reads only the ids back) */
    static byte[] statePartitionMetadataValue(StatePartitions value, Function<UUID, String> names) {
        Object[] deleting = value.deleting().stream().map(id -> new Struct(TOPIC).set("topic_id", toKafka(id))
                .set("topic_name", names.apply(id)).set("_tagged_fields", new TreeMap<Integer, Object>())).toArray();
        Struct s = new Struct(STATE_PARTITION_VALUE).set("initializing_topics", topics(value.initializing(), names))
                .set("initialized_topics", topics(value.initialized(), names)).set("deleting_topics", deleting)
                .set("_tagged_fields", new TreeMap<Integer, Object>());
        return ShareStateRecords.withVersion(VALUE_VERSION, STATE_PARTITION_VALUE, s);
    }

    /** The key, or null for a record type that is not a share group's (a newer Kafka's, or the group coordinator's). */
    static Key readKey(ByteBuffer buffer) {
        short type = buffer.getShort();
        if (type != METADATA && type != STATE_PARTITION_METADATA) {
            return null;
        }
        return new Key(type, KEY.read(buffer).getString("group_id"));
    }

    /** A ShareGroupMetadataValue's group epoch. */
    static int readMetadataEpoch(ByteBuffer buffer) {
        buffer.getShort();
        return METADATA_VALUE.read(buffer).getInt("epoch");
    }

    static StatePartitions readStatePartitionMetadata(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = STATE_PARTITION_VALUE.read(buffer);
        Set<UUID> deleting = new TreeSet<>();
        for (Object o : s.getArray("deleting_topics")) {
            deleting.add(fromKafka((Uuid) ((Struct) o).get("topic_id")));
        }
        return new StatePartitions(readTopics(s.getArray("initializing_topics")), readTopics(s.getArray("initialized_topics")),
                deleting);
    }

    private static Object[] topics(Map<UUID, Set<Integer>> partitions, Function<UUID, String> names) {
        List<Object> out = new ArrayList<>(partitions.size());
        new TreeMap<>(partitions).forEach((id, ps) -> out.add(new Struct(TOPIC_PARTITIONS).set("topic_id", toKafka(id))
                .set("topic_name", names.apply(id)).set("partitions", new TreeSet<>(ps).toArray())
                .set("_tagged_fields", new TreeMap<Integer, Object>())));
        return out.toArray();
    }

    private static Map<UUID, Set<Integer>> readTopics(Object[] structs) {
        Map<UUID, Set<Integer>> out = new TreeMap<>();
        for (Object o : structs) {
            Struct t = (Struct) o;
            Set<Integer> partitions = out.computeIfAbsent(fromKafka((Uuid) t.get("topic_id")), id -> new TreeSet<>());
            for (Object p : t.getArray("partitions")) {
                partitions.add((Integer) p);
            }
        }
        return out;
    }

    private static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
