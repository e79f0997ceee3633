package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {

    private static List<BrokerImage> brokers(int n, String... racks) {
        List<BrokerImage> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(new BrokerImage(i, i, List.of(), racks.length == 0 ? null : racks[(i - 1) % racks.length], false));
        }
        return list;
    }

    @Test
    void shouldUseAtMostOneReplicaSetPerBrokerAndSpreadPreferredLeadersEvenly() throws MetadataException {
        List<List<Integer>> assignment = ReplicaPlacement.assign(brokers(6), 0, 60, 3, 4);

        Set<Set<Integer>> copysets = new HashSet<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        for (List<Integer> replicas : assignment) {
            assertThat(new HashSet<>(replicas)).hasSize(3);
            copysets.add(new HashSet<>(replicas));
            leaders.merge(replicas.get(0), 1, Integer::sum);
        }
        assertThat(copysets).hasSizeLessThanOrEqualTo(6);
        assertThat(leaders.values()).containsOnly(10);
    }

    @Test
    void shouldPutEveryReplicaOfAPartitionOnADifferentRackWhenRacksAllowIt() throws MetadataException {
        List<List<Integer>> assignment = ReplicaPlacement.assign(brokers(6, "a", "a", "b", "b", "c", "c"), 0, 12, 3, 0);

        for (List<Integer> replicas : assignment) {
            Set<Integer> racks = new HashSet<>();
            replicas.forEach(b -> racks.add((b - 1) / 2));
            assertThat(racks).as("racks of %s", replicas).hasSize(3);
        }
    }

    @Test
    void shouldContinueThePatternForAddedPartitions() throws MetadataException {
        List<List<Integer>> whole = ReplicaPlacement.assign(brokers(3), 0, 6, 2, 1);
        List<List<Integer>> added = ReplicaPlacement.assign(brokers(3), 4, 2, 2, 1);

        assertThat(added).isEqualTo(whole.subList(4, 6));
    }

    @Test
    void shouldRefuseAReplicationFactorAboveTheLiveBrokers() {
        assertThatThrownBy(() -> ReplicaPlacement.assign(brokers(2), 0, 1, 3, 0))
                .isInstanceOf(MetadataException.class)
                .satisfies(e -> assertThat(((MetadataException) e).reason())
                        .isEqualTo(MetadataException.Reason.INVALID_REPLICATION_FACTOR));
    }
}
