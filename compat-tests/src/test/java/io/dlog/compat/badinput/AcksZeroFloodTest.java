package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * acks=0 producers get no answers, so nothing but the broker's request memory budget
 * ({@code queued.max.request.bytes}) and the per-connection caps stop a fast one from pinning memory:
 * a flood of 1 MB batches over several connections keeps the broker's direct memory near the budget,
 * and other clients are served meanwhile.
 */
class AcksZeroFloodTest {
    private static final long BUDGET = 32L << 20;
    private static final int CONNECTIONS = 4;
    private static final int BATCH_BYTES = 1_000_000;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("queued.max.request.bytes", Long.toString(BUDGET))
            .with("dlog.connection.max.request.bytes", Long.toString(8L << 20))
            .with("log.segment.bytes", Integer.toString(64 << 20))
            .with("log.retention.bytes", Integer.toString(128 << 20))
            .with("log.retention.check.interval.ms", "1000");

    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before");
    }

    @Test
    void shouldKeepDirectMemoryNearTheBudgetUnderAnAcksZeroFloodOfOneMegabyteBatches() throws Exception {
        // Given
        String topic = DLOG.newTopic(1);
        long directBefore = Flood.brokerDirectMemory();
        long maxDirect = directBefore;

        // When
        Flood flood = Flood.start(DLOG.broker().port(), CONNECTIONS, produceFrame(topic));
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Flood.SECONDS);
            // The others-served check needs the flood under way; on a busy machine its first 50 frames can take
            // longer than the flood's planned seconds (seen once in a full run: 13 MiB in 6 s), so the flood
            // goes on until the check ran, for at most 30 s more.
            long latest = end + TimeUnit.SECONDS.toNanos(30);
            boolean checkedOthers = false;
            while (System.nanoTime() - end < 0 || (!checkedOthers && System.nanoTime() - latest < 0)) {
                maxDirect = Math.max(maxDirect, Flood.brokerDirectMemory());
                if (!checkedOthers && flood.framesWritten() > 50) {
                    // Then: others are served during the flood
                    health.assertServesAndKeepsEverything();
                    checkedOthers = true;
                }
                Thread.sleep(50);
            }
            long mib = flood.framesWritten() * BATCH_BYTES >> 20;
            System.out.printf("acks=0 flood: %d MiB over %d connections in %d s; broker direct memory max %d MiB"
                    + " (was %d MiB, budget %d MiB)%n", mib, CONNECTIONS, Flood.SECONDS, maxDirect >> 20,
                    directBefore >> 20, BUDGET >> 20);

            // Then: the budget, plus at most a frame and a socket read per connection, plus the allocator's chunk granularity
            assertThat(checkedOthers).isTrue();
            long slack = CONNECTIONS * 2L * (BATCH_BYTES + (64 << 10)) + (16L << 20);
            assertThat(maxDirect - directBefore).isLessThan(BUDGET + slack);
        } finally {
            flood.close();
        }
        health.assertServesAndKeepsEverything();
    }

    private static byte[] produceFrame(String topic) {
        byte[] value = new byte[BATCH_BYTES - 200];
        ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value)).buffer();
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(batch)))));
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) 0).setTimeoutMs(30_000).setTopicData(topics);
        short version = 9;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.PRODUCE.id)
                .setRequestApiVersion(version).setCorrelationId(1).setClientId("acks-zero-flood");
        return RawConnection.frame(header, ApiKeys.PRODUCE.requestHeaderVersion(version), produce, version);
    }
}
