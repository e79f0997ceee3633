package io.dlog.migrate;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * A SHA-256 over every record of a partition range, read_uncommitted (aborted records count, transaction
 * markers are not records): each record's offset, timestamp type and timestamp, key, value and headers, each
 * variable field length-prefixed and null told apart from empty. Equal digests mean equal records at equal
 * offsets.
 */
final class PartitionDigest {
    /** A partition's digest and how many records went into it. */
    record Result(long records, String sha256) {
    }

    private static final Duration POLL = Duration.ofMillis(500);
    private static final long STALL_MS = 60_000;

    private PartitionDigest() {
    }

    static Result of(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long start, long end) throws Exception {
        MessageDigest sha = sha256();
        long count = 0;
        consumer.assign(List.of(tp));
        consumer.seek(tp, start);
        long lastProgress = System.currentTimeMillis();
        ByteBuffer fixed = ByteBuffer.allocate(8 + 1 + 8 + 4);
        while (consumer.position(tp) < end) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            if (records.isEmpty()) {
                if (System.currentTimeMillis() - lastProgress > STALL_MS) {
                    throw new IllegalStateException("reading " + tp + " stalled at offset " + consumer.position(tp)
                            + " before its end " + end);
                }
                continue;
            }
            lastProgress = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                if (r.offset() < start || r.offset() >= end) {
                    continue;
                }
                fixed.clear();
                fixed.putLong(r.offset()).put((byte) r.timestampType().id).putLong(r.timestamp());
                Header[] headers = r.headers().toArray();
                fixed.putInt(headers.length);
                sha.update(fixed.flip());
                bytes(sha, r.key());
                bytes(sha, r.value());
                for (Header h : headers) {
                    bytes(sha, h.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    bytes(sha, h.value());
                }
                count++;
            }
        }
        consumer.assign(List.of());
        return new Result(count, HexFormat.of().formatHex(sha.digest()));
    }

    private static void bytes(MessageDigest sha, byte[] value) {
        int length = value == null ? -1 : value.length;
        sha.update(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length});
        if (value != null) {
            sha.update(value);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
