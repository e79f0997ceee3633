package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.badinput.RawConnection;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.cluster.DLogCluster;
import io.dlog.compat.cluster.DLogClusterExtension;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A follower's incremental fetch session (KIP-227) as the leader serves it: after the full fetch that opens it, an
 * answer carries only the partitions with records, an error or moved offsets; a partition the follower leaves out
 * of its request is read with the fetch state it sent last, its leader epoch included, so a stale epoch stays
 * fenced, and a diverging epoch is always sent. The fetches below come from a made-up replica id (the node has no
 * follower of that id to disturb). The session turns partitions that returned records to its end, so the order of
 * an answer's partitions is not asserted.
 */
class IncrementalFollowerFetchTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(1);

    private static final short FETCH_VERSION = 15;
    private static final int REPLICA_ID = 7;

    @Test
    void shouldAnswerOnlyPartitionsWithSomethingNewAndKeepFencingAStaleEpoch(DLogCluster cluster) throws Exception {
        // Given a topic of three partitions, one record in partition 0, and its leader epochs
        String topic = CLUSTER.newTopic(3, 1);
        produce(cluster, topic, 0);
        try (RawConnection connection = RawConnection.open(cluster.layout().node(1).port())) {
            MetadataResponseData.MetadataResponseTopic described = describe(connection, topic);
            Uuid id = described.topicId();
            int epoch = described.partitions().get(0).leaderEpoch();

            // When a follower opens a session over the three, partition 2 at an epoch the leader does not have yet
            FetchResponseData full = fetch(connection, 0, 0, id, List.of(
                    partition(0, 0, epoch), partition(1, 0, epoch), partition(2, 0, epoch + 1)));

            // Then the full answer carries all three, partition 2 refused
            assertThat(full.errorCode()).isEqualTo(Errors.NONE.code());
            int session = full.sessionId();
            assertThat(session).isPositive();
            assertThat(answered(full)).containsExactlyInAnyOrder("0:NONE:1", "1:NONE:0",
                    "2:UNKNOWN_LEADER_EPOCH:0");

            // When the follower moves partition 0 to its end and sends nothing else
            FetchResponseData caughtUp = fetch(connection, session, 1, id, List.of(partition(0, 1, epoch)));

            // Then nothing is news but the refused partition, whose cached epoch is refused again
            assertThat(answered(caughtUp)).containsExactlyInAnyOrder("2:UNKNOWN_LEADER_EPOCH:0");

            // When a record lands in partition 1 and the follower sends an empty incremental fetch
            produce(cluster, topic, 1);
            FetchResponseData moved = fetch(connection, session, 2, id, List.of());

            // Then partition 1 comes with its record, read from the offset the session holds
            assertThat(answered(moved)).containsExactlyInAnyOrder("1:NONE:1", "2:UNKNOWN_LEADER_EPOCH:0");

            // When the follower says its log of partition 0 runs past where the leader's epoch ends (a tail the leader
            // never had), the leader's offsets unchanged since it last told them
            FetchResponseData diverged = fetch(connection, session, 3, id,
                    List.of(partition(0, 5, epoch).setLastFetchedEpoch(epoch), partition(1, 1, epoch)));

            // Then the answer carries the divergence (the follower must truncate), and again while the state stands
            assertThat(answered(diverged)).containsExactlyInAnyOrder("0:NONE:0:diverging " + epoch,
                    "2:UNKNOWN_LEADER_EPOCH:0");
            assertThat(answered(fetch(connection, session, 4, id, List.of())))
                    .containsExactlyInAnyOrder("0:NONE:0:diverging " + epoch, "2:UNKNOWN_LEADER_EPOCH:0");
        }
    }

    private static void produce(DLogCluster cluster, String topic, int partition) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(cluster.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, partition, "k", "v")).get();
        }
    }

    private static FetchRequestData.FetchPartition partition(int index, long offset, int leaderEpoch) {
        return new FetchRequestData.FetchPartition().setPartition(index).setFetchOffset(offset)
                .setCurrentLeaderEpoch(leaderEpoch).setPartitionMaxBytes(1 << 20);
    }

    /**
     * "partition:error:batches" of each partition answered, with ":diverging E" when the answer reports a diverging
     * epoch E.
     */
    private static List<String> answered(FetchResponseData response) {
        List<String> out = new ArrayList<>();
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                int batches = 0;
                if (p.records() instanceof MemoryRecords records) {
                    for (RecordBatch ignored : records.batches()) {
                        batches++;
                    }
                }
                out.add(p.partitionIndex() + ":" + Errors.forCode(p.errorCode()) + ":" + batches
                        + (p.divergingEpoch().epoch() >= 0 ? ":diverging " + p.divergingEpoch().epoch() : ""));
            }
        }
        return out;
    }

    private static FetchResponseData fetch(RawConnection connection, int sessionId, int epoch, Uuid topicId,
                                           List<FetchRequestData.FetchPartition> partitions) throws Exception {
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(REPLICA_ID).setReplicaEpoch(-1))
                .setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setIsolationLevel((byte) 0)
                .setSessionId(sessionId).setSessionEpoch(epoch);
        if (!partitions.isEmpty()) {
            request.topics().add(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(partitions));
        }
        int correlationId = connection.send(ApiKeys.FETCH, FETCH_VERSION, request);
        return new FetchResponseData(connection.receive(correlationId, ApiKeys.FETCH, FETCH_VERSION), FETCH_VERSION);
    }

    private static MetadataResponseData.MetadataResponseTopic describe(RawConnection connection, String topic)
            throws Exception {
        MetadataRequestData request = new MetadataRequestData().setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(topic)));
        int correlationId = connection.send(ApiKeys.METADATA, (short) 12, request);
        MetadataResponseData response = new MetadataResponseData(
                connection.receive(correlationId, ApiKeys.METADATA, (short) 12), (short) 12);
        return response.topics().iterator().next();
    }
}
