package io.dlog.kafka.share;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.types.CompactArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

/**
 * Kafka's records in {@code __share_group_state} (share coordinator, KIP-932): keys ShareSnapshotKey (record
 * type 0) and ShareUpdateKey (type 1), each {group_id, topic_id, partition} after a version short that names
 * the type; values ShareSnapshotValue / ShareUpdateValue v0 (flexible) after a version short. Laid out with
 * kafka-clients' protocol types, field for field as Kafka's schemas, so Kafka's tools read DLog's topic.
 * DLog writes snapshots only (every change is one whole snapshot, so compaction keeps exactly the latest);
 * it reads updates too, applying them onto the snapshot before them. Stateless.
 */
final class ShareStateRecords {
    static final short SNAPSHOT = 0;
    static final short UPDATE = 1;
    private static final short VALUE_VERSION = 0;

    private static final Schema KEY = new Schema(new Field("group_id", Type.STRING), new Field("topic_id", Type.UUID),
            new Field("partition", Type.INT32));
    private static final Schema STATE_BATCH = new Schema(new Field("first_offset", Type.INT64),
            new Field("last_offset", Type.INT64), new Field("delivery_state", Type.INT8),
            new Field("delivery_count", Type.INT16), Field.TaggedFieldsSection.of());
    private static final Schema SNAPSHOT_VALUE = new Schema(new Field("snapshot_epoch", Type.INT32),
            new Field("state_epoch", Type.INT32), new Field("leader_epoch", Type.INT32), new Field("start_offset", Type.INT64),
            new Field("create_timestamp", Type.INT64), new Field("write_timestamp", Type.INT64),
            new Field("state_batches", new CompactArrayOf(STATE_BATCH)), Field.TaggedFieldsSection.of());
    private static final Schema UPDATE_VALUE = new Schema(new Field("snapshot_epoch", Type.INT32),
            new Field("leader_epoch", Type.INT32), new Field("start_offset", Type.INT64),
            new Field("state_batches", new CompactArrayOf(STATE_BATCH)), Field.TaggedFieldsSection.of());

    /** One share-partition's persisted state. */
    record ShareState(int snapshotEpoch, int stateEpoch, int leaderEpoch, long startOffset, long createTimestamp,
                      List<SharePartition.StateBatch> batches) {
    }

    /** A decoded key: its record type and share-partition. */
    record Key(short type, SharePartitionKey partition) {
    }

    private ShareStateRecords() {
    }

    static byte[] snapshotKey(SharePartitionKey key) {
        Struct s = new Struct(KEY).set("group_id", key.groupId()).set("topic_id", key.kafkaTopicId())
                .set("partition", key.partition());
        return withVersion(SNAPSHOT, KEY, s);
    }

    static byte[] snapshotValue(ShareState state, long now) {
        Struct s = new Struct(SNAPSHOT_VALUE).set("snapshot_epoch", state.snapshotEpoch())
                .set("state_epoch", state.stateEpoch()).set("leader_epoch", state.leaderEpoch())
                .set("start_offset", state.startOffset()).set("create_timestamp", state.createTimestamp())
                .set("write_timestamp", now).set("state_batches", batches(state.batches()))
                .set("_tagged_fields", new TreeMap<Integer, Object>());
        return withVersion(VALUE_VERSION, SNAPSHOT_VALUE, s);
    }

    /** The key, or null for a record type DLog does not know (a newer Kafka's). */
    static Key readKey(ByteBuffer buffer) {
        short type = buffer.getShort();
        if (type != SNAPSHOT && type != UPDATE) {
            return null;
        }
        Struct s = KEY.read(buffer);
        Uuid id = (Uuid) s.get("topic_id");
        return new Key(type, new SharePartitionKey(s.getString("group_id"),
                new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()), s.getInt("partition")));
    }

    /** A snapshot value; {@code previous} is unused. */
    static ShareState readSnapshot(ByteBuffer buffer) {
        buffer.getShort();
        Struct s = SNAPSHOT_VALUE.read(buffer);
        return new ShareState(s.getInt("snapshot_epoch"), s.getInt("state_epoch"), s.getInt("leader_epoch"),
                s.getLong("start_offset"), s.getLong("create_timestamp"), readBatches(s.getArray("state_batches")));
    }

    /**
     * An update applied onto the state before it (Kafka's ShareCoordinatorShard merge): a newer start offset
     * drops the batches below it, the update's batches replace the offsets they cover.
     */
    static ShareState applyUpdate(ShareState previous, ByteBuffer buffer) {
        buffer.getShort();
        Struct s = UPDATE_VALUE.read(buffer);
        long start = s.getLong("start_offset");
        long newStart = start >= 0 ? start : previous.startOffset();
        return new ShareState(s.getInt("snapshot_epoch"), previous.stateEpoch(), s.getInt("leader_epoch"), newStart,
                previous.createTimestamp(), merge(previous.batches(), readBatches(s.getArray("state_batches")), newStart));
    }

    /**
     * Kafka's combination of state batches: {@code incoming} replaces the offsets it covers in {@code previous},
     * offsets below {@code startOffset} are dropped, and neighbouring offsets of one state and delivery count
     * become one batch again.
     */
    static List<SharePartition.StateBatch> merge(List<SharePartition.StateBatch> previous,
                                                 List<SharePartition.StateBatch> incoming, long startOffset) {
        TreeMap<Long, SharePartition.StateBatch> byOffset = new TreeMap<>();
        for (List<SharePartition.StateBatch> batches : List.of(previous, incoming)) {
            for (SharePartition.StateBatch b : batches) {
                for (long o = Math.max(b.firstOffset(), startOffset); o <= b.lastOffset(); o++) {
                    byOffset.put(o, new SharePartition.StateBatch(o, o, b.deliveryState(), b.deliveryCount()));
                }
            }
        }
        List<SharePartition.StateBatch> runs = new ArrayList<>();
        SharePartition.StateBatch open = null;
        for (SharePartition.StateBatch b : byOffset.values()) {
            if (open != null && open.lastOffset() + 1 == b.firstOffset() && open.deliveryState() == b.deliveryState()
                    && open.deliveryCount() == b.deliveryCount()) {
                open = new SharePartition.StateBatch(open.firstOffset(), b.lastOffset(), b.deliveryState(), b.deliveryCount());
            } else {
                if (open != null) {
                    runs.add(open);
                }
                open = b;
            }
        }
        if (open != null) {
            runs.add(open);
        }
        return runs;
    }

    private static Object[] batches(List<SharePartition.StateBatch> batches) {
        Object[] out = new Object[batches.size()];
        for (int i = 0; i < out.length; i++) {
            SharePartition.StateBatch b = batches.get(i);
            out[i] = new Struct(STATE_BATCH).set("first_offset", b.firstOffset()).set("last_offset", b.lastOffset())
                    .set("delivery_state", b.deliveryState()).set("delivery_count", b.deliveryCount())
                    .set("_tagged_fields", new TreeMap<Integer, Object>());
        }
        return out;
    }

    private static List<SharePartition.StateBatch> readBatches(Object[] structs) {
        List<SharePartition.StateBatch> batches = new ArrayList<>(structs.length);
        for (Object o : structs) {
            Struct b = (Struct) o;
            batches.add(new SharePartition.StateBatch(b.getLong("first_offset"), b.getLong("last_offset"),
                    (Byte) b.get("delivery_state"), b.getShort("delivery_count")));
        }
        return batches;
    }

    /** The struct laid out after a version short (for keys, the record type), as Kafka's coordinator records. */
    static byte[] withVersion(short version, Schema schema, Struct struct) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + schema.sizeOf(struct));
        buffer.putShort(version);
        schema.write(buffer, struct);
        return buffer.array();
    }
}
