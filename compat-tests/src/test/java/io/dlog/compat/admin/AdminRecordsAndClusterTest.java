package io.dlog.compat.admin;

import static io.dlog.compat.admin.AdminTopicsTest.assertCause;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DeleteRecords, DescribeCluster and DescribeLogDirs through the Kafka 4.x Admin client. */
class AdminRecordsAndClusterTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private Admin admin;

    @BeforeEach
    void setUp() {
        admin = DLOG.admin();
    }

    @AfterEach
    void tearDown() {
        admin.close();
    }

    @Test
    void shouldDeleteRecordsAndMoveTheEarliestOffset() throws Exception {
        String topic = DLOG.newTopic(1);
        TopicPartition tp = new TopicPartition(topic, 0);
        produce(topic, 10);

        long lowWatermark = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp)
                .get(30, TimeUnit.SECONDS).lowWatermark();

        assertThat(lowWatermark).isEqualTo(4L);
        assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset()).isEqualTo(4L);
        assertCause(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11))).all(), OffsetOutOfRangeException.class);
        long toEnd = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp)
                .get(30, TimeUnit.SECONDS).lowWatermark();
        assertThat(toEnd).isEqualTo(10L);
    }

    @Test
    void shouldRefuseDeleteRecordsOnCompactedTopics() {
        String topic = DLOG.newTopic(1, Map.of("cleanup.policy", "compact"));

        assertCause(admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(0))).all(),
                PolicyViolationException.class);
    }

    @Test
    void shouldDescribeThisNodeAsTheCluster() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));

        int nodeId = DLOG.broker().config().nodeId();
        assertThat(cluster.clusterId().get(30, TimeUnit.SECONDS)).isEqualTo(DLOG.broker().clusterId());
        assertThat(cluster.nodes().get()).extracting(Node::id, Node::host, Node::port)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(nodeId, "127.0.0.1", DLOG.broker().port()));
        assertThat(cluster.controller().get().id()).isEqualTo(nodeId);
        assertThat(cluster.authorizedOperations().get()).isNotEmpty();
        assertThat(admin.describeCluster().authorizedOperations().get()).isNull();
    }

    @Test
    void shouldDescribeTheDataFolderWithPartitionSizes() throws Exception {
        String topic = DLOG.newTopic(2);
        produce(topic, 5);
        int nodeId = DLOG.broker().config().nodeId();

        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).allDescriptions()
                .get(30, TimeUnit.SECONDS).get(nodeId);

        assertThat(dirs).hasSize(1);
        Map.Entry<String, LogDirDescription> dir = dirs.entrySet().iterator().next();
        assertThat(dir.getValue().error()).isNull();
        assertThat(dir.getValue().totalBytes()).isPresent();
        assertThat(dir.getValue().usableBytes()).isPresent();
        ReplicaInfo written = dir.getValue().replicaInfos().get(new TopicPartition(topic, 0));
        assertThat(written.size()).isPositive();
        assertThat(written.offsetLag()).isZero();
        assertThat(written.isFuture()).isFalse();
        assertThat(dir.getValue().replicaInfos()).containsKey(new TopicPartition(topic, 1));

        ReplicaLogDirInfo replica = admin.describeReplicaLogDirs(List.of(new TopicPartitionReplica(topic, 0, nodeId)))
                .all().get(30, TimeUnit.SECONDS).get(new TopicPartitionReplica(topic, 0, nodeId));
        assertThat(replica.getCurrentReplicaLogDir()).isEqualTo(dir.getKey());
    }

    private static void produce(String topic, int count) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
