package io.dlog.kafka.group;

import io.dlog.kafka.handlers.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.FetchSlice;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * {@link GroupStore} over the compacted internal topic {@code __consumer_offsets}: records are written
 * as uncompressed RecordBatch v2 batches built with kafka-clients' {@link MemoryRecords}, and read back
 * at start-up from the log start offset to the high watermark.
 *
 * <p>Thread-safe: appends go to the partition's single writer; {@link #open} and {@link #replay} block
 * and run once, off the event loops.
 */
final class OffsetsTopicStore implements GroupStore {
    private static final int READ_CHUNK = 1 << 20;

    private final TopicService topics;
    private final Clock clock;
    private final int partitions;

    private OffsetsTopicStore(TopicService topics, Clock clock, int partitions) {
        this.topics = topics;
        this.clock = clock;
        this.partitions = partitions;
    }

    /**
     * Creates the topic when absent (compacted, {@code wantedPartitions}, segments of
     * {@code offsets.topic.segment.bytes} so the cleaner can bound it), or adopts the existing one.
     */
    static OffsetsTopicStore open(TopicService topics, Clock clock, int wantedPartitions)
            throws IOException, InterruptedException {
        Optional<TopicImage> existing = topics.image().topic(InternalTopics.CONSUMER_OFFSETS);
        if (existing.isPresent()) {
            return new OffsetsTopicStore(topics, clock, existing.get().partitions());
        }
        try {
            TopicImage created = topics.create(InternalTopics.CONSUMER_OFFSETS, wantedPartitions,
                    Map.of("cleanup.policy", "compact",
                            "segment.bytes", Integer.toString(topics.brokerConfig().offsetsTopicSegmentBytes()))).get();
            return new OffsetsTopicStore(topics, clock, created.partitions());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof MetadataException m && m.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS) {
                return new OffsetsTopicStore(topics, clock,
                        topics.image().topic(InternalTopics.CONSUMER_OFFSETS).orElseThrow().partitions());
            }
            throw new IOException("cannot create " + InternalTopics.CONSUMER_OFFSETS, e.getCause());
        }
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<GroupRecords.Record> records) {
        Optional<PartitionLog> log = topics.partition(InternalTopics.CONSUMER_OFFSETS, partition);
        if (log.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException(InternalTopics.CONSUMER_OFFSETS + "-" + partition + " is missing"));
        }
        int size = 128;
        for (GroupRecords.Record record : records) {
            size += record.key().length + (record.value() == null ? 0 : record.value().length) + 32;
        }
        long now = clock.millis();
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(size), RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (GroupRecords.Record record : records) {
            builder.append(now, record.key(), record.value());
        }
        ByteBuffer batch = builder.build().buffer();
        PartitionLog partitionLog = log.get();
        return partitionLog.append(batch, io.dlog.kafka.handlers.LeaderEpochs.current(partitionLog)).thenApply(result -> {
            if (!result.succeeded()) {
                throw new IllegalStateException("append to " + partitionLog.topicPartition() + " failed: "
                        + result.error() + " " + result.errorMessage());
            }
            return null;
        });
    }

    @Override
    public void replay(GroupRecords.Visitor visitor) throws IOException {
        for (int p = 0; p < partitions; p++) {
            Optional<PartitionLog> found = topics.partition(InternalTopics.CONSUMER_OFFSETS, p);
            if (found.isPresent()) {
                replay(found.get(), visitor);
            }
        }
    }

    private static void replay(PartitionLog log, GroupRecords.Visitor visitor) throws IOException {
        long offset = log.logStartOffset();
        long end = log.highWatermark();
        while (offset < end) {
            FetchSlice slice;
            try {
                slice = log.read(offset, READ_CHUNK, end, true);
            } catch (OffsetOutOfRangeException e) {
                long start = log.logStartOffset();
                if (start <= offset || start >= end) {
                    return;
                }
                offset = start;
                continue;
            }
            if (slice.length() == 0) {
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate(slice.length());
            long position = slice.position();
            while (buffer.hasRemaining()) {
                int read = slice.channel().read(buffer, position);
                if (read < 0) {
                    throw new IOException("unexpected end of " + log.topicPartition());
                }
                position += read;
            }
            buffer.flip();
            long next = offset;
            for (RecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
                if (batch.lastOffset() < offset) {
                    continue;
                }
                for (Record record : batch) {
                    if (record.offset() >= offset && record.hasKey()) {
                        GroupRecords.visit(record.key(), record.hasValue() ? record.value() : null, visitor);
                    }
                }
                next = batch.lastOffset() + 1;
            }
            if (next <= offset) {
                return;
            }
            offset = next;
        }
    }
}
