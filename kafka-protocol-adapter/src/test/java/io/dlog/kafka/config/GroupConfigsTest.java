package io.dlog.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** Group configs validated as Kafka 4.3's controller validates a GROUP resource. */
class GroupConfigsTest {
    private static final BrokerConfig BROKER = BrokerConfig.parse(Map.of());

    private static void valid(Map<String, String> overrides) {
        assertThatCode(() -> GroupConfigs.validate("g", overrides, BROKER)).doesNotThrowAnyException();
    }

    private static void refused(Map<String, String> overrides, String message) {
        assertThatThrownBy(() -> GroupConfigs.validate("g", overrides, BROKER))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining(message);
    }

    @Test
    void shouldAcceptKafkasKeysWithinTheBrokersBounds() {
        valid(Map.of());
        valid(Map.of("consumer.session.timeout.ms", "60000", "consumer.heartbeat.interval.ms", "15000",
                "share.record.lock.duration.ms", "15000", "share.delivery.count.limit", "10",
                "share.partition.max.record.locks", "4000", "share.auto.offset.reset", "by_duration:PT1H",
                "share.isolation.level", "read_committed", "streams.num.standby.replicas", "2"));
        valid(Map.of("share.auto.offset.reset", "earliest"));
        valid(Map.of("streams.initial.rebalance.delay.ms", "0"));
        valid(Map.of("streams.initial.rebalance.delay.ms", "600000"));
    }

    @Test
    void shouldRefuseValuesOutsideTheBrokersMinAndMax() {
        refused(Map.of("consumer.heartbeat.interval.ms", "4999"),
                "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms");
        refused(Map.of("consumer.session.timeout.ms", "60001"),
                "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms");
        refused(Map.of("share.record.lock.duration.ms", "14999"),
                "share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms");
        refused(Map.of("streams.num.standby.replicas", "3"),
                "streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas");
        refused(Map.of("share.delivery.count.limit", "1"), "share.delivery.count.limit");
    }

    @Test
    void shouldFollowTheBrokersBoundsWhenTheyAreChanged() {
        BrokerConfig wide = BrokerConfig.parse(Map.of("group.share.min.record.lock.duration.ms", "1000"));
        assertThatCode(() -> GroupConfigs.validate("g", Map.of("share.record.lock.duration.ms", "2000"), wide))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseASessionTimeoutNotAboveTheHeartbeatInterval() {
        BrokerConfig wide = BrokerConfig.parse(Map.of("group.share.min.session.timeout.ms", "1000"));
        assertThatThrownBy(() -> GroupConfigs.validate("g", Map.of("share.session.timeout.ms", "5000"), wide))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("share.session.timeout.ms must be greater than share.heartbeat.interval.ms");
    }

    @Test
    void shouldRefuseUnknownUnsupportedNullAndBadValuesAndTheDefaultGroup() {
        refused(Map.of("retention.ms", "1"), "Unknown group config name: retention.ms");
        refused(Map.of("streams.assignment.interval.ms", "0"), "DLog does not support the group config");
        refused(Map.of("streams.initial.rebalance.delay.ms", "-1"), "streams.initial.rebalance.delay.ms");
        Map<String, String> withNull = new HashMap<>();
        withNull.put("share.isolation.level", null);
        refused(withNull, "Null value not supported for group configs: share.isolation.level");
        refused(Map.of("share.isolation.level", "serializable"), "share.isolation.level");
        refused(Map.of("share.auto.offset.reset", "by_duration:-PT1H"), "Negative duration");
        refused(Map.of("share.auto.offset.reset", "newest"), "share.auto.offset.reset");
        refused(Map.of("consumer.session.timeout.ms", "soon"), "consumer.session.timeout.ms");
        assertThatThrownBy(() -> GroupConfigs.validate("", Map.of(), BROKER)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void shouldResolveAGroupsValuesOverTheBrokers() {
        BrokerConfig broker = BrokerConfig.parse(Map.of("group.share.record.lock.duration.ms", "20000"));
        assertThat(GroupConfigs.inheritedValue("share.record.lock.duration.ms", broker)).isEqualTo("20000");
        assertThat(GroupConfigs.inheritedValue("share.auto.offset.reset", broker)).isEqualTo("latest");
        assertThat(GroupConfigs.intValue(Map.of("share.record.lock.duration.ms", "25000"), "share.record.lock.duration.ms", 1))
                .isEqualTo(25_000);
        assertThat(GroupConfigs.intValue(Map.of(), "share.record.lock.duration.ms", 20_000)).isEqualTo(20_000);
        assertThat(GroupConfigs.stringValue(Map.of("share.isolation.level", " READ_COMMITTED"), "share.isolation.level"))
                .isEqualTo("read_committed");
        assertThat(GroupConfigs.stringValue(Map.of(), "share.auto.offset.reset")).isEqualTo("latest");
    }
}
