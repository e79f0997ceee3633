package io.dlog.kafka.handlers.admin;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * DeleteRecords: moves each partition's log start offset up to the requested offset (-1: the high
 * watermark) and answers the new low watermark. An offset below -1 or above the high watermark is
 * OFFSET_OUT_OF_RANGE; a partition whose cleanup.policy lacks delete is POLICY_VIOLATION, as in Kafka.
 * An offset at or below the current start changes nothing and answers the current start.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
    /** Kafka's DeleteRecordsRequest.HIGH_WATERMARK. */
    static final long HIGH_WATERMARK = -1L;

    private final BrokerContext context;

    public DeleteRecordsHandler(BrokerContext context) {
        this.context = context;
    }

    @Override
    public CompletionStage<DeleteRecordsResponseData> handle(RequestContext request, DeleteRecordsRequestData data) {
        List<String> topicNames = new ArrayList<>();
        List<List<CompletableFuture<DeleteRecordsPartitionResult>>> answers = new ArrayList<>();
        List<CompletableFuture<DeleteRecordsPartitionResult>> all = new ArrayList<>();
        for (DeleteRecordsTopic topic : data.topics()) {
            List<CompletableFuture<DeleteRecordsPartitionResult>> partitions = new ArrayList<>();
            for (DeleteRecordsPartition partition : topic.partitions()) {
                CompletableFuture<DeleteRecordsPartitionResult> answer = delete(topic.name(), partition);
                partitions.add(answer);
                all.add(answer);
            }
            topicNames.add(topic.name());
            answers.add(partitions);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeleteRecordsResponseData response = new DeleteRecordsResponseData();
            for (int i = 0; i < topicNames.size(); i++) {
                DeleteRecordsTopicResult topic = new DeleteRecordsTopicResult().setName(topicNames.get(i));
                for (CompletableFuture<DeleteRecordsPartitionResult> partition : answers.get(i)) {
                    topic.partitions().add(partition.join());
                }
                response.topics().add(topic);
            }
            return response;
        });
    }

    private CompletableFuture<DeleteRecordsPartitionResult> delete(String topic, DeleteRecordsPartition partition) {
        int index = partition.partitionIndex();
        Optional<PartitionLog> found = context.topics().image().topic(topic).isPresent()
                ? context.topics().partition(topic, index) : Optional.empty();
        if (found.isEmpty()) {
            return done(error(index, context.topics().notServedError(topic, index)));
        }
        PartitionLog log = found.get();
        if (!log.config().delete()) {
            return done(error(index, Errors.POLICY_VIOLATION));
        }
        long highWatermark = log.highWatermark();
        long offset = partition.offset() == HIGH_WATERMARK ? highWatermark : partition.offset();
        if (offset < 0 || offset > highWatermark) {
            return done(error(index, Errors.OFFSET_OUT_OF_RANGE));
        }
        long start = log.logStartOffset();
        if (offset <= start) {
            return done(new DeleteRecordsPartitionResult().setPartitionIndex(index).setLowWatermark(start)
                    .setErrorCode(Errors.NONE.code()));
        }
        CompletableFuture<Long> moved;
        try {
            moved = log.deleteRecordsBefore(offset);
        } catch (OffsetOutOfRangeException e) {
            return done(error(index, Errors.OFFSET_OUT_OF_RANGE));
        } catch (RuntimeException e) {
            return done(error(index, AdminErrors.fromThrowable(e).error()));
        }
        return moved.handle((lowWatermark, failure) -> failure == null
                ? new DeleteRecordsPartitionResult().setPartitionIndex(index).setLowWatermark(lowWatermark)
                        .setErrorCode(Errors.NONE.code())
                : error(index, errorOf(failure)));
    }

    private static Errors errorOf(Throwable failure) {
        ApiError error = AdminErrors.fromThrowable(failure);
        return error.error();
    }

    private static DeleteRecordsPartitionResult error(int partition, Errors error) {
        return new DeleteRecordsPartitionResult().setPartitionIndex(partition).setLowWatermark(-1L)
                .setErrorCode(error.code());
    }

    private static CompletableFuture<DeleteRecordsPartitionResult> done(DeleteRecordsPartitionResult result) {
        return CompletableFuture.completedFuture(result);
    }
}
