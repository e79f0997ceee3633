package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that pipelines Fetch requests and never reads its socket. The broker must stop reading from
 * it once its answers pile up (so memory stays bounded), keep serving everyone else meanwhile, and
 * drop what was queued for it quietly when it disconnects.
 */
class NonReadingClientTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final short FETCH_VERSION = 12;
    private static final int PARTITIONS = 20;
    /** Far below what the unbounded broker reached (hundreds of MiB in seconds), far above the bounded one's few MiB. */
    private static final long DIRECT_MEMORY_BOUND = 64L << 20;
    private static final long HEAP_GROWTH_BOUND = 128L << 20;
    private static BrokerHealth health;
    private static String topic;

    @BeforeAll
    static void writeSomethingToFetch() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before");
        topic = DLOG.newTopic(PARTITIONS);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, p, "k" + i, "v".repeat(200))).get(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void shouldBoundMemoryAndServeOthersWhileAClientPipelinesFetchesAndNeverReads() throws Exception {
        // Given
        long heapBefore = Flood.heapAfterGc();
        long directBefore = Flood.brokerDirectMemory();
        long maxDirect = directBefore;

        // When: a client pipelines Fetch requests for the whole flood and never reads
        Flood flood = Flood.start(DLOG.broker().port(), 1, fetchFrame());
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Flood.SECONDS);
            boolean checkedOthers = false;
            while (System.nanoTime() - end < 0) {
                maxDirect = Math.max(maxDirect, Flood.brokerDirectMemory());
                if (!checkedOthers && flood.framesWritten() > 1000) {
                    // Then: others are served while it floods
                    health.assertServesAndKeepsEverything();
                    checkedOthers = true;
                }
                Thread.sleep(100);
            }
            long heapGrowth = Flood.heapAfterGc() - heapBefore;
            System.out.printf("non-reading fetch client: %d frames sent in %d s, broker direct memory max %d MiB"
                            + " (was %d MiB), heap growth after GC %d MiB%n", flood.framesWritten(), Flood.SECONDS,
                    maxDirect >> 20, directBefore >> 20, heapGrowth >> 20);

            // Then: what the broker holds for it is bounded
            assertThat(checkedOthers).isTrue();
            assertThat(maxDirect - directBefore).isLessThan(DIRECT_MEMORY_BOUND);
            assertThat(heapGrowth).isLessThan(HEAP_GROWTH_BOUND);

            // When it disconnects, the queued responses go quietly.
            try (LogCapture log = LogCapture.open()) {
                flood.close();
                Thread.sleep(1000);
                assertThat(log.events()).hasSizeLessThanOrEqualTo(1);
            }
        } finally {
            flood.close();
        }

        // And the broker still serves and keeps everything.
        health.assertServesAndKeepsEverything();
    }

    /** A Fetch of every partition from offset 0 (no session, no wait): each answer carries records. */
    private static byte[] fetchFrame() {
        List<FetchRequestData.FetchPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20));
        }
        FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(50 << 20).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(partitions)));
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.FETCH.id)
                .setRequestApiVersion(FETCH_VERSION).setCorrelationId(1).setClientId("never-reads");
        return RawConnection.frame(header, ApiKeys.FETCH.requestHeaderVersion(FETCH_VERSION), fetch, FETCH_VERSION);
    }
}
