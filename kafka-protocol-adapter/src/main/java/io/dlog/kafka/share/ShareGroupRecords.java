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
 * Kafka's share group records in {@code __consumer_offsets} (group coordinator, KIP-932), as Kafka 4.3.1 lays
 * them out, every one at version 0: ShareGroupMemberMetadata (record type 10) {group_id, member_id} -> {rack_id,
 * client_id, client_host, subscribed_topic_names}; ShareGroupMetadata (11) {group_id} -> {epoch, metadata_hash};
 * ShareGroupTargetAssignmentMetadata (12) {group_id} -> {assignment_epoch, tagged 0: assignment_timestamp};
 * ShareGroupTargetAssignmentMember (13) {group_id, member_id} -> {topic_partitions}; ShareGroupCurrentMemberAssignment
 * (14) {group_id, member_id} -> {member_epoch, previous_member_epoch, state, assigned_partitions}; and
 * ShareGroupStatePartitionMetadata (15) {group_id} -> {initializing_topics, initialized_topics, deleting_topics}:
 * which share-partitions have state at their share coordinators. Keys are non-flexible after a version short that
 * names the type; values flexible after a version short. Built with kafka-clients' protocol types, field for
 * field as Kafka's schemas (checked against Kafka's own classes in compat-tests'
 * {@code ShareGroupRecordsKafkaTest}). The rest of {@code __consumer_offsets} is DLog's own format
 * ({@code io.dlog.kafka.group.GroupRecords}), whose key types (0, 1) these do not collide with. Stateless.
 */
final class ShareGroupRecords {
    static final short MEMBER_METADATA = 10;
    static final short METADATA = 11;
    static final short TARGET_ASSIGNMENT_METADATA = 12;
    static final short TARGET_ASSIGNMENT_MEMBER = 13;
    static final short CURRENT_MEMBER_ASSIGNMENT = 14;
    static final short STATE_PARTITION_METADATA = 15;
    private static final short VALUE_VERSION = 0;
    /** Kafka's MemberState.STABLE: a share group member is always stable (it revokes nothing). */
    private static final byte STABLE = 0;

    private static final Schema KEY = new Schema(new Field("group_id", Type.STRING));
    private static final Schema MEMBER_KEY = new Schema(new Field("group_id", Type.STRING),
            new Field("member_id", Type.STRING));
    private static final Schema MEMBER_METADATA_VALUE = new Schema(new Field("rack_id", Type.COMPACT_NULLABLE_STRING),
            new Field("client_id", Type.COMPACT_STRING), new Field("client_host", Type.COMPACT_STRING),
            new Field("subscribed_topic_names", new CompactArrayOf(Type.COMPACT_STRING)), Field.TaggedFieldsSection.of());
    private static final Schema TARGET_METADATA_VALUE = new Schema(new Field("assignment_epoch", Type.INT32),
            Field.TaggedFieldsSection.of(0, new Field("assignment_timestamp", Type.INT64, "")));
    private static final Schema ASSIGNED_TOPIC = new Schema(new Field("topic_id", Type.UUID),
            new Field("partitions", new CompactArrayOf(Type.INT32)), Field.TaggedFieldsSection.of());
    private static final Schema TARGET_MEMBER_VALUE = new Schema(
            new Field("topic_partitions", new CompactArrayOf(ASSIGNED_TOPIC)), Field.TaggedFieldsSection.of());
    private static final Schema CURRENT_ASSIGNMENT_VALUE = new Schema(new Field("member_epoch", Type.INT32),
            new Field("previous_member_epoch", Type.INT32), new Field("state", Type.INT8),
            new Field("assigned_partitions", new CompactArrayOf(ASSIGNED_TOPIC)), Field.TaggedFieldsSection.of());
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

    /** A decoded key: its record type, group and, for the member records (10, 13, 14), member; else null. */
    record Key(short type, String groupId, String memberId) {
        Key(short type, String groupId) {
            this(type, groupId, null);
        }
    }

    /** A member as ShareGroupMemberMetadataValue has it. */
    record MemberMetadata(String rackId, String clientId, String clientHost, List<String> subscribedTopicNames) {
    }

    /** The target assignment's epoch and when it was computed (ShareGroupTargetAssignmentMetadataValue). */
    record TargetMetadata(int assignmentEpoch, long timestamp) {
    }

    /** A member's current assignment and epochs (ShareGroupCurrentMemberAssignmentValue). */
    record CurrentAssignment(int memberEpoch, int previousMemberEpoch, Map<UUID, Set<Integer>> partitions) {
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

    static byte[] targetMetadataKey(String groupId) {
        return key(TARGET_ASSIGNMENT_METADATA, groupId);
    }

    private static byte[] key(short type, String groupId) {
        return ShareStateRecords.withVersion(type, KEY, new Struct(KEY).set("group_id", groupId));
    }

    /** The key of a member record: {@link #MEMBER_METADATA}, {@link #TARGET_ASSIGNMENT_MEMBER} or {@link #CURRENT_MEMBER_ASSIGNMENT}. */
    static byte[] memberKey(short type, String groupId, String memberId) {
        return ShareStateRecords.withVersion(type, MEMBER_KEY, new Struct(MEMBER_KEY).set("group_id", groupId)
                .set("member_id", memberId));
    }

    static byte[] metadataValue(int epoch, long metadataHash) {
        return ShareStateRecords.withVersion(VALUE_VERSION, METADATA_VALUE, new Struct(METADATA_VALUE).set("epoch", epoch)
                .set("metadata_hash", metadataHash).set("_tagged_fields", new TreeMap<Integer, Object>()));
    }

    static byte[] memberMetadataValue(MemberMetadata member) {
        return ShareStateRecords.withVersion(VALUE_VERSION, MEMBER_METADATA_VALUE, new Struct(MEMBER_METADATA_VALUE)
                .set("rack_id", member.rackId()).set("client_id", member.clientId()).set("client_host", member.clientHost())
                .set("subscribed_topic_names", member.subscribedTopicNames().toArray())
                .set("_tagged_fields", new TreeMap<Integer, Object>()));
    }

    /** Kafka writes the timestamp (a tagged field) only when it is not 0, as its generated class does. */
    static byte[] targetMetadataValue(TargetMetadata value) {
        TreeMap<Integer, Object> tagged = new TreeMap<>();
        if (value.timestamp() != 0) {
            tagged.put(0, value.timestamp());
        }
        return ShareStateRecords.withVersion(VALUE_VERSION, TARGET_METADATA_VALUE, new Struct(TARGET_METADATA_VALUE)
                .set("assignment_epoch", value.assignmentEpoch()).set("_tagged_fields", tagged));
    }

    static byte[] targetMemberValue(Map<UUID, Set<Integer>> partitions) {
        return ShareStateRecords.withVersion(VALUE_VERSION, TARGET_MEMBER_VALUE, new Struct(TARGET_MEMBER_VALUE)
                .set("topic_partitions", assigned(partitions)).set("_tagged_fields", new TreeMap<Integer, Object>()));
    }

    static byte[] currentAssignmentValue(CurrentAssignment value) {
        return ShareStateRecords.withVersion(VALUE_VERSION, CURRENT_ASSIGNMENT_VALUE, new Struct(CURRENT_ASSIGNMENT_VALUE)
                .set("member_epoch", value.memberEpoch()).set("previous_member_epoch", value.previousMemberEpoch())
                .set("state", STABLE).set("assigned_partitions", assigned(value.partitions()))
                .set("_tagged_fields", new TreeMap<Integer, Object>()));
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
        if (type == MEMBER_METADATA || type == TARGET_ASSIGNMENT_MEMBER || type == CURRENT_MEMBER_ASSIGNMENT) {
            Struct s = MEMBER_KEY.read(buffer);
            return new Key(type, s.getString("group_id"), s.getString("member_id"));
        }
        if (type != METADATA && type != TARGET_ASSIGNMENT_METADATA && type != STATE_PARTITION_METADATA) {
            return null;
        }
        return new Key(type, KEY.read(buffer).getString("group_id"));
    }

    /** A ShareGroupMetadataValue's group epoch. */
    static int readMetadataEpoch(ByteBuffer buffer) {
        return readMetadata(buffer).getInt("epoch");
    }

    /** A ShareGroupMetadataValue's metadata hash. */
    static long readMetadataHash(ByteBuffer buffer) {
        return readMetadata(buffer).getLong("metadata_hash");
    }

    private static Struct readMetadata(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        b.getShort();
        return METADATA_VALUE.read(b);
    }

    static MemberMetadata readMemberMetadata(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = MEMBER_METADATA_VALUE.read(buffer);
        List<String> subscribed = new ArrayList<>();
        for (Object name : s.getArray("subscribed_topic_names")) {
            subscribed.add((String) name);
        }
        return new MemberMetadata(s.getString("rack_id"), s.getString("client_id"), s.getString("client_host"), subscribed);
    }

    static TargetMetadata readTargetMetadata(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = TARGET_METADATA_VALUE.read(buffer);
        @SuppressWarnings("unchecked")
        Map<Integer, Object> tagged = (Map<Integer, Object>) s.get("_tagged_fields");
        Object timestamp = tagged == null ? null : tagged.get(0);
        return new TargetMetadata(s.getInt("assignment_epoch"), timestamp == null ? 0 : (Long) timestamp);
    }

    static Map<UUID, Set<Integer>> readTargetMember(ByteBuffer buffer) {
        buffer.getShort();
        return readAssigned(TARGET_MEMBER_VALUE.read(buffer).getArray("topic_partitions"));
    }

    static CurrentAssignment readCurrentAssignment(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = CURRENT_ASSIGNMENT_VALUE.read(buffer);
        return new CurrentAssignment(s.getInt("member_epoch"), s.getInt("previous_member_epoch"),
                readAssigned(s.getArray("assigned_partitions")));
    }

    private static Object[] assigned(Map<UUID, Set<Integer>> partitions) {
        List<Object> out = new ArrayList<>(partitions.size());
        new TreeMap<>(partitions).forEach((id, ps) -> out.add(new Struct(ASSIGNED_TOPIC).set("topic_id", toKafka(id))
                .set("partitions", new TreeSet<>(ps).toArray()).set("_tagged_fields", new TreeMap<Integer, Object>())));
        return out.toArray();
    }

    private static Map<UUID, Set<Integer>> readAssigned(Object[] structs) {
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

    static StatePartitions readStatePartitionMetadata(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = STATE_PARTITION_VALUE.read(buffer);
        Set<UUID> deleting = new TreeSet<>();
        for (Object o : s.getArray("deleting_topics")) {
            deleting.add(fromKafka((Uuid) ((Struct) o).get("topic_id")));
        }
        return new StatePartitions(readAssigned(s.getArray("initializing_topics")), readAssigned(s.getArray("initialized_topics")),
                deleting);
    }

    private static Object[] topics(Map<UUID, Set<Integer>> partitions, Function<UUID, String> names) {
        List<Object> out = new ArrayList<>(partitions.size());
        new TreeMap<>(partitions).forEach((id, ps) -> out.add(new Struct(TOPIC_PARTITIONS).set("topic_id", toKafka(id))
                .set("topic_name", names.apply(id)).set("partitions", new TreeSet<>(ps).toArray())
                .set("_tagged_fields", new TreeMap<Integer, Object>())));
        return out.toArray();
    }

    private static Uuid toKafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static UUID fromKafka(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
