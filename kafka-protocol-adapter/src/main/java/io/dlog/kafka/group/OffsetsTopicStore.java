package io.dlog.kafka.group;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import io.dlog.log.AppendResult;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
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
    static OffsetsTopicStore open(TopicService topics, Clock clock, int wantedPartitions,
                                  java.util.function.BooleanSupplier stopped) throws IOException, InterruptedException {
        return new OffsetsTopicStore(topics, clock, InternalTopicLog.open(topics, InternalTopics.CONSUMER_OFFSETS,
                wantedPartitions, topics.brokerConfig().offsetsTopicReplicationFactor(),
                Map.of("segment.bytes", Integer.toString(topics.brokerConfig().offsetsTopicSegmentBytes())), stopped));
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public CompletableFuture<Void> append(int partition, List<GroupRecords.Record> records) {
        return InternalTopicLog.appendOrFail(topics, InternalTopics.CONSUMER_OFFSETS, partition, clock.millis(),
                keyValues(records));
    }

    @Override
    public CompletableFuture<AppendResult> appendTransactional(int partition, List<GroupRecords.Record> records,
                                                               long producerId, short producerEpoch,
                                                               io.dlog.log.VerificationGuard guard) {
        return InternalTopicLog.append(topics, InternalTopics.CONSUMER_OFFSETS, partition, clock.millis(),
                keyValues(records), producerId, producerEpoch, guard);
    }

    private static List<InternalTopicLog.KeyValue> keyValues(List<GroupRecords.Record> records) {
        return records.stream().map(r -> new InternalTopicLog.KeyValue(r.key(), r.value())).toList();
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

    @Override
    public void replay(int partition, GroupRecords.Visitor visitor) throws IOException {
        Optional<PartitionLog> found = topics.partition(InternalTopics.CONSUMER_OFFSETS, partition);
        if (found.isPresent()) {
            replay(found.get(), visitor);
        }
    }

    private static void replay(PartitionLog log, GroupRecords.Visitor visitor) throws IOException {
        // Transactional records wait here, by producer, for their transaction's marker.
        Map<Long, List<Record>> open = new HashMap<>();
        InternalTopicLog.replay(log, (batch, record) -> {
            if (batch.isControlBatch()) {
                List<Record> held = open.remove(batch.producerId());
                if (held != null && ControlRecordType.parse(record.key()) == ControlRecordType.COMMIT) {
                    held.forEach(r -> GroupRecords.visit(r.key(), r.hasValue() ? r.value() : null, visitor));
                }
            } else if (batch.isTransactional()) {
                open.computeIfAbsent(batch.producerId(), p -> new ArrayList<>()).add(record);
            } else {
                GroupRecords.visit(record.key(), record.hasValue() ? record.value() : null, visitor);
            }
        });
        open.forEach((producerId, held) -> held.forEach(r -> GroupRecords.visit(r.key(), r.hasValue() ? r.value() : null,
                new GroupRecords.Visitor() {
                    @Override
                    public void offset(GroupRecords.OffsetKey key, GroupRecords.OffsetValue value) {
                        visitor.pendingOffset(producerId, key, value);
                    }

                    @Override
                    public void group(String groupId, byte[] snapshot) {
                        visitor.group(groupId, snapshot);
                    }

                    @Override
                    public void other(java.nio.ByteBuffer key, java.nio.ByteBuffer value) {
                        visitor.other(key, value);
                    }
                })));
    }
}
