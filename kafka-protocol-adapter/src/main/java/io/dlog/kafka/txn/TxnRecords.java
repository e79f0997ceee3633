package io.dlog.kafka.txn;

import io.dlog.log.TopicPartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records of {@code __transaction_state} in Kafka's own schemas, so Kafka's tools can read the topic:
 * key {@code TransactionLogKey} v0 (version int16 = 0, transactional id), value {@code
 * TransactionLogValue} v0 (version int16 = 0, producer id, producer epoch, timeout, status, the
 * partitions by topic (null when empty), last update and start timestamps). A null value is the
 * tombstone of an expired transactional id.
 *
 * <p>Stateless; thread-safe.
 */
final class TxnRecords {
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 0;

    private TxnRecords() {
    }

    static byte[] key(String transactionalId) {
        byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + id.length).putShort(KEY_VERSION).putShort((short) id.length).put(id).array();
    }

    static byte[] value(TxnMetadata m) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
        for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
            size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(VALUE_VERSION).putLong(m.producerId()).putShort(m.producerEpoch()).putInt(m.timeoutMs())
                .put(m.state().id());
        if (byTopic.isEmpty()) {
            b.putInt(-1);
        } else {
            b.putInt(byTopic.size());
            for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                b.putShort((short) name.length).put(name).putInt(e.getValue().size());
                e.getValue().forEach(b::putInt);
            }
        }
        b.putLong(m.lastUpdateTimestamp()).putLong(m.startTimestamp());
        return b.array();
    }

    /** The transactional id of a key, or null for a key of another (newer) version. */
    static String readKey(ByteBuffer key) {
        ByteBuffer k = key.duplicate();
        if (k.getShort() != KEY_VERSION) {
            return null;
        }
        return readString(k);
    }

    /**
     * Decodes a value (v0; v1's flexible encoding is not written by DLog and is skipped as unknown).
     *
     * @return the metadata, or null for an unknown value version
     */
    static TxnMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer v = value.duplicate();
        if (v.getShort() != VALUE_VERSION) {
            return null;
        }
        long producerId = v.getLong();
        short epoch = v.getShort();
        int timeout = v.getInt();
        TxnState state = TxnState.fromId(v.get());
        int topics = v.getInt();
        List<TopicPartition> partitions = new ArrayList<>();
        for (int i = 0; i < topics; i++) {
            String topic = readString(v);
            int n = v.getInt();
            for (int j = 0; j < n; j++) {
                partitions.add(new TopicPartition(topic, v.getInt()));
            }
        }
        long lastUpdate = v.getLong();
        long start = v.getLong();
        return new TxnMetadata(transactionalId, producerId, epoch, (short) -1, timeout, state, Set.copyOf(partitions),
                start, lastUpdate);
    }

    private static String readString(ByteBuffer b) {
        short length = b.getShort();
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
