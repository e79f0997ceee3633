package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataCommand.BrokerHeartbeat;
import io.dlog.cluster.MetadataCommand.CreatePartitions;
import io.dlog.cluster.MetadataCommand.CreateTopic;
import io.dlog.cluster.MetadataCommand.DeleteTopic;
import io.dlog.cluster.MetadataCommand.FenceBroker;
import io.dlog.cluster.MetadataCommand.RegisterBroker;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException.Reason;
import io.dlog.log.metadata.MetadataImage;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataApplierTest {
    private static final List<BrokerImage.Endpoint> ENDPOINTS = List.of(new BrokerImage.Endpoint("PLAINTEXT", "127.0.0.1", 9092));

    private MetadataImage image = MetadataImage.EMPTY;
    private long index;

    private MetadataApplier.Applied apply(MetadataCommand command) {
        MetadataApplier.Applied applied = MetadataApplier.apply(image, command, ++index);
        image = applied.image();
        return applied;
    }

    private void threeBrokers() {
        for (int id = 1; id <= 3; id++) {
            assertThat(apply(new RegisterBroker(id, 100 + id, ENDPOINTS, null)).refusal()).isEmpty();
        }
    }

    @Test
    void shouldCreateATopicOnRegisteredBrokersAndRefuseTheSameNameTwice() {
        threeBrokers();
        UUID id = UUID.randomUUID();

        assertThat(apply(new CreateTopic("t", id, List.of(List.of(1, 2, 3), List.of(2, 3, 1)), Map.of("retention.ms", "1")))
                .refusal()).isEmpty();
        MetadataApplier.Applied again = apply(new CreateTopic("t", UUID.randomUUID(), List.of(List.of(1)), Map.of()));

        assertThat(image.topic("t").orElseThrow().assignment()).containsExactly(List.of(1, 2, 3), List.of(2, 3, 1));
        assertThat(image.topic("t").orElseThrow().topicId()).isEqualTo(id);
        assertThat(again.refusal()).hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.TOPIC_ALREADY_EXISTS));
        assertThat(again.image().version()).isEqualTo(index);
    }

    @Test
    void shouldRefuseReplicaSetsWithUnknownOrRepeatedBrokersOrUnevenSizes() {
        threeBrokers();

        assertThat(apply(new CreateTopic("a", UUID.randomUUID(), List.of(List.of(1, 4)), Map.of())).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT));
        assertThat(apply(new CreateTopic("b", UUID.randomUUID(), List.of(List.of(1, 1)), Map.of())).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT));
        assertThat(apply(new CreateTopic("c", UUID.randomUUID(), List.of(List.of(1, 2), List.of(3)), Map.of())).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.INVALID_REPLICA_ASSIGNMENT));
        assertThat(image.topics()).isEmpty();
    }

    @Test
    void shouldAddPartitionsWithTheTopicsReplicationFactorAndDeleteByMatchingId() {
        threeBrokers();
        UUID id = UUID.randomUUID();
        apply(new CreateTopic("t", id, List.of(List.of(1, 2)), Map.of()));

        assertThat(apply(new CreatePartitions("t", List.of(List.of(3)))).refusal()).isPresent();
        assertThat(apply(new CreatePartitions("t", List.of(List.of(2, 3), List.of(3, 1)))).refusal()).isEmpty();
        assertThat(image.topic("t").orElseThrow().partitions()).isEqualTo(3);

        assertThat(apply(new DeleteTopic("t", UUID.randomUUID())).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_TOPIC));
        assertThat(apply(new DeleteTopic("t", id)).refusal()).isEmpty();
        assertThat(image.topics()).isEmpty();
    }

    @Test
    void shouldFenceOnlyTheIncarnationThatStoppedHeartbeatingAndUnfenceOnHeartbeat() {
        threeBrokers();

        apply(new FenceBroker(2, 999)); // an older incarnation: ignored
        assertThat(image.isLive(2)).isTrue();
        apply(new FenceBroker(2, 102));
        assertThat(image.isLive(2)).isFalse();
        assertThat(apply(new BrokerHeartbeat(2, 999)).refusal())
                .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo(Reason.STALE_BROKER_INCARNATION));
        assertThat(image.isLive(2)).isFalse();
        apply(new BrokerHeartbeat(2, 102));
        assertThat(image.isLive(2)).isTrue();
    }

    @Test
    void shouldKeepTheFirstClusterIdAndImportALegacyImageOnlyIntoAnEmptyCluster() {
        assertThat(apply(new MetadataCommand.InitCluster("A")).refusal()).isEmpty();
        assertThat(apply(new MetadataCommand.InitCluster("B")).refusal()).isPresent();
        assertThat(image.clusterId()).isEqualTo("A");

        MetadataImage legacy = new MetadataImage(5, Map.of("old", io.dlog.log.metadata.TopicImage.onNode("old",
                UUID.randomUUID(), 2, Map.of(), 1)), Map.of("log.retention.ms", "5"));
        assertThat(apply(new MetadataCommand.ImportImage(legacy)).refusal()).isEmpty();
        assertThat(image.topic("old")).isPresent();
        assertThat(image.brokerConfigs()).containsEntry("log.retention.ms", "5");
        assertThat(apply(new MetadataCommand.ImportImage(legacy)).refusal()).isPresent();
    }

    @Test
    void shouldKeepPerNodeAndClusterWideBrokerConfigsApart() {
        apply(new MetadataCommand.SetBrokerConfigs(-1, Map.of("a", "1", "b", "1")));
        apply(new MetadataCommand.SetBrokerConfigs(2, Map.of("b", "2")));

        assertThat(image.dynamicConfigsFor(2)).isEqualTo(Map.of("a", "1", "b", "2"));
        assertThat(image.dynamicConfigsFor(1)).isEqualTo(Map.of("a", "1", "b", "1"));
    }
}
