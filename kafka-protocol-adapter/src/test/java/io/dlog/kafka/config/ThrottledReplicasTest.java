package io.dlog.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** Kafka's throttled-replicas lists: validation (ThrottledReplicaListValidator) and this broker's share (ConfigHandler). */
class ThrottledReplicasTest {
    private static final String KEY = ThrottledReplicas.LEADER_KEY;

    @Test
    void shouldKeepOnlyThisBrokersPartitions() {
        ThrottledReplicas replicas = ThrottledReplicas.parse(KEY, "0:1,1:2, 2:1 ,3:10", 1);

        assertThat(replicas.partitions()).containsExactlyInAnyOrder(0, 2);
        assertThat(replicas.contains(0)).isTrue();
        assertThat(replicas.contains(1)).isFalse();
        assertThat(replicas.contains(3)).isFalse();
        assertThat(ThrottledReplicas.parse(KEY, "0:2", 1)).isEqualTo(ThrottledReplicas.NONE);
    }

    @Test
    void shouldThrottleEveryPartitionForTheWildcardAndNoneForEmpty() {
        assertThat(ThrottledReplicas.parse(KEY, " * ", 1).contains(7)).isTrue();
        assertThat(ThrottledReplicas.parse(KEY, "", 1).isEmpty()).isTrue();
        assertThat(ThrottledReplicas.parse(KEY, null, 1).isEmpty()).isTrue();
        assertThat(ThrottledReplicas.parse(KEY, "0:1,,1:1", 1).partitions()).isEqualTo(Set.of(0, 1)); // Kafka allows empty elements
        assertThat(ThrottledReplicas.parse(KEY, "99999999999:1", 1).isEmpty()).isTrue();
    }

    @Test
    void shouldRefuseWhatKafkaRefusesWithItsMessage() {
        for (String bad : new String[] {"0-1", "*,0:1", "a:1", "0:1:2", "**", "0:"}) {
            assertThatThrownBy(() -> ThrottledReplicas.parse(KEY, bad, 1)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(KEY + " must be the literal '*' or a list of replicas in the following format: "
                            + "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
        }
    }

    @Test
    void shouldValidateTheTopicConfigsAsKafka() {
        assertThat(TopicConfigs.validate(Map.of(ThrottledReplicas.FOLLOWER_KEY, "0:1, 1:2"))).isEmpty();
        assertThat(TopicConfigs.validate(Map.of(ThrottledReplicas.FOLLOWER_KEY, "*"))).isEmpty();
        assertThat(TopicConfigs.validate(Map.of(ThrottledReplicas.FOLLOWER_KEY, ""))).isEmpty();
        assertThat(TopicConfigs.validate(Map.of(ThrottledReplicas.LEADER_KEY, "0:1;1:2")))
                .hasValueSatisfying(message -> assertThat(message).startsWith(
                        "Invalid value [0:1;1:2] for configuration leader.replication.throttled.replicas: "));
    }
}
