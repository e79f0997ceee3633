package io.dlog.kafka.handlers;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.log.PartitionLog;
import io.dlog.log.TimestampLookup;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * ListOffsets: earliest, latest (high watermark, or last stable offset for read_committed), max
 * timestamp (the exact record, KIP-734), earliest-local (= earliest: no tiered storage), and by
 * timestamp: the first record whose timestamp is at or after the one asked for.
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    static final long LATEST = -1L;
    static final long EARLIEST = -2L;
    static final long MAX_TIMESTAMP = -3L;
    static final long EARLIEST_LOCAL = -4L;
    static final long LATEST_TIERED = -5L;
    static final long EARLIEST_PENDING_UPLOAD = -6L;

    private final BrokerContext context;
    /**
     * Lookups by timestamp read batch headers from the segment (a cold page cache makes that a disk read: 42 ms
     * once, measured, docs/reliability.md) and decode the batch found, decompressing it: not work for an event
     * loop. Two threads, started on demand and gone after 30 s idle; queued requests count against
     * queued.max.request.bytes until answered, which bounds the queue.
     */
    private final ThreadPoolExecutor lookups = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "dlog-list-offsets");
                thread.setDaemon(true);
                return thread;
            });

    public ListOffsetsHandler(BrokerContext context) {
        this.context = context;
        lookups.allowCoreThreadTimeOut(true);
    }

    @Override
    public CompletionStage<ListOffsetsResponseData> handle(RequestContext request, ListOffsetsRequestData data) {
        boolean lookup = data.topics().stream().flatMap(t -> t.partitions().stream())
                .anyMatch(p -> p.timestamp() >= 0 || p.timestamp() == MAX_TIMESTAMP);
        // Earliest and latest are read from memory: answered here. A timestamp lookup reads the log: not here.
        return lookup ? CompletableFuture.supplyAsync(() -> respond(request, data), lookups)
                : CompletableFuture.completedFuture(respond(request, data));
    }

    private ListOffsetsResponseData respond(RequestContext request, ListOffsetsRequestData data) {
        boolean readCommitted = data.isolationLevel() == IsolationLevel.READ_COMMITTED.id();
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsRequestData.ListOffsetsTopic topic : data.topics()) {
            ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            Set<Integer> seen = new HashSet<>();
            for (ListOffsetsRequestData.ListOffsetsPartition partition : topic.partitions()) {
                ListOffsetsPartitionResponse answer = new ListOffsetsPartitionResponse()
                        .setPartitionIndex(partition.partitionIndex()).setTimestamp(-1L).setOffset(-1L).setLeaderEpoch(-1);
                if (!seen.add(partition.partitionIndex())) {
                    topicResponse.partitions().add(answer.setErrorCode(Errors.INVALID_REQUEST.code()));
                    continue;
                }
                answer(topic.name(), partition, readCommitted, answer);
                if (request.apiVersion() < 4) {
                    // The field exists from v4; a value at older versions cannot be encoded (librdkafka uses v2).
                    answer.setLeaderEpoch(-1);
                }
                topicResponse.partitions().add(answer);
            }
            response.topics().add(topicResponse);
        }
        return response;
    }

    private ListOffsetsPartitionResponse answer(String topic, ListOffsetsRequestData.ListOffsetsPartition partition,
                                                boolean readCommitted, ListOffsetsPartitionResponse answer) {
        Optional<PartitionLog> found = context.topics().partition(topic, partition.partitionIndex());
        if (found.isEmpty()) {
            return answer.setErrorCode(context.topics().notServedError(topic, partition.partitionIndex()).code());
        }
        PartitionLog log = found.get();
        int epoch = LeaderEpochs.current(log);
        Optional<Errors> stale = LeaderEpochs.validate(partition.currentLeaderEpoch(), log);
        if (stale.isPresent()) {
            return answer.setErrorCode(stale.get().code());
        }
        answer.setErrorCode(Errors.NONE.code());
        long timestamp = partition.timestamp();
        var replicas = context.topics().replicas();
        if (timestamp != EARLIEST && timestamp != EARLIEST_LOCAL && replicas != null
                && replicas.highWatermarkBehindEpochStart(log.topicPartition())) {
            // KIP-207: a new leader's high watermark may still lag its predecessor's; answering it could move a
            // consumer backwards, so the client retries until the followers have caught the leader up.
            return answer.setErrorCode(Errors.OFFSET_NOT_AVAILABLE.code());
        }
        try {
            if (timestamp == LATEST) {
                return answer.setOffset(readCommitted ? log.lastStableOffset() : log.highWatermark()).setLeaderEpoch(epoch);
            }
            if (timestamp == EARLIEST || timestamp == EARLIEST_LOCAL) {
                return answer.setOffset(log.logStartOffset()).setLeaderEpoch(epoch);
            }
            if (timestamp == LATEST_TIERED || timestamp == EARLIEST_PENDING_UPLOAD) {
                return answer;
            }
            if (timestamp == MAX_TIMESTAMP) {
                return log.lookupMaxTimestamp().map(found1 -> exactRecord(found1, Long.MIN_VALUE, true, answer))
                        .orElse(answer);
            }
            if (timestamp < 0) {
                return answer.setErrorCode(Errors.INVALID_REQUEST.code());
            }
            return log.lookupTimestamp(timestamp).map(found1 -> exactRecord(found1, timestamp, false, answer)).orElse(answer);
        } catch (IOException e) {
            return answer.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    /** Decodes the batch the engine found and picks the record: first at/after target, or the max. */
    private static ListOffsetsPartitionResponse exactRecord(TimestampLookup lookup, long target, boolean max,
                                                           ListOffsetsPartitionResponse answer) {
        for (RecordBatch batch : MemoryRecords.readableRecords(lookup.batch().duplicate()).batches()) {
            long bestTimestamp = Long.MIN_VALUE;
            long bestOffset = -1L;
            for (Record record : batch) {
                if (max ? record.timestamp() > bestTimestamp : record.timestamp() >= target) {
                    bestTimestamp = record.timestamp();
                    bestOffset = record.offset();
                    if (!max) {
                        break;
                    }
                }
            }
            if (batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME) {
                // Every record of a LogAppendTime batch carries the batch's time.
                return answer.setTimestamp(batch.maxTimestamp()).setOffset(max ? batch.lastOffset() : batch.baseOffset())
                        .setLeaderEpoch(Math.max(0, batch.partitionLeaderEpoch()));
            }
            if (bestOffset >= 0) {
                return answer.setTimestamp(bestTimestamp).setOffset(bestOffset)
                        .setLeaderEpoch(Math.max(0, batch.partitionLeaderEpoch()));
            }
        }
        return answer;
    }
}
