package io.dlog.kafka.txn;

import io.dlog.log.TopicPartition;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Records of {@code __transaction_state} in Kafka's own schemas, so Kafka's tools can read the topic:
 * key {@code TransactionLogKey} v0 (version int16 = 0, transactional id), value {@code
 * TransactionLogValue} v0 (version int16 = 0, producer id, producer epoch, timeout, status, the
 * partitions by topic (null when empty), last update and start timestamps). A null value is the
 * tombstone of an expired transactional id. Read: value v0 and v1, both of which Kafka 4.x writes.
 *
 * <p>Stateless; thread-safe.
 */
final class TxnRecords {
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 0;
    private static final short FLEXIBLE_VALUE_VERSION = 1;

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
     * Decodes a value of either version Kafka 4.x writes: v0, and v1 (the flexible encoding Kafka writes
     * under transaction version 2: compact strings and arrays, tagged fields PreviousProducerId,
     * NextProducerId and ClientTransactionVersion, which DLog's state does not keep).
     *
     * @return the metadata, or null for an unknown version or bytes that do not parse as one
     */
    static TxnMetadata readValue(String transactionalId, ByteBuffer value) {
        ByteBuffer v = value.duplicate();
        try {
            short version = v.getShort();
            if (version != VALUE_VERSION && version != FLEXIBLE_VALUE_VERSION) {
                return null;
            }
            boolean flexible = version == FLEXIBLE_VALUE_VERSION;
            long producerId = v.getLong();
            short epoch = v.getShort();
            int timeout = v.getInt();
            TxnState state = TxnState.fromId(v.get());
            int topics = flexible ? ByteUtils.readUnsignedVarint(v) - 1 : v.getInt();
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < topics; i++) {
                String topic = flexible ? readCompactString(v) : readString(v);
                int n = flexible ? ByteUtils.readUnsignedVarint(v) - 1 : v.getInt();
                for (int j = 0; j < n; j++) {
                    partitions.add(new TopicPartition(topic, v.getInt()));
                }
                if (flexible) {
                    skipTaggedFields(v);
                }
            }
            long lastUpdate = v.getLong();
            long start = v.getLong();
            if (flexible) {
                skipTaggedFields(v);
            }
            return new TxnMetadata(transactionalId, producerId, epoch, (short) -1, timeout, state,
                    Set.copyOf(partitions), start, lastUpdate);
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            return null; // not a value of ours: the id is skipped rather than the partition left unloaded
        }
    }

    private static String readCompactString(ByteBuffer b) {
        int length = ByteUtils.readUnsignedVarint(b) - 1;
        if (length < 0) {
            throw new IllegalArgumentException("a null topic name");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Tagged fields: a count, then per field its tag, size and bytes (none of them is kept). */
    private static void skipTaggedFields(ByteBuffer b) {
        int fields = ByteUtils.readUnsignedVarint(b);
        for (int i = 0; i < fields; i++) {
            ByteUtils.readUnsignedVarint(b); // tag
            int size = ByteUtils.readUnsignedVarint(b);
            b.position(b.position() + size);
        }
    }

    private static String readString(ByteBuffer b) {
        short length = b.getShort();
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
