package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A share group's settings: its group configs over the broker's group.share.* keys. */
class ShareGroupSettingsTest {

    @Test
    void shouldTakeTheBrokersSettingsForAGroupWithoutConfigs() {
        SharePartitionManager.GroupSettings settings = ShareApis.settings(ShareConfig.DEFAULTS, Map.of());

        assertThat(settings).isEqualTo(new SharePartitionManager.GroupSettings(30_000, 5, 2000, "latest", false));
    }

    @Test
    void shouldTakeEachGroupConfigOverTheBrokers() {
        SharePartitionManager.GroupSettings settings = ShareApis.settings(ShareConfig.DEFAULTS, Map.of(
                "share.record.lock.duration.ms", "20000", "share.delivery.count.limit", "3",
                "share.partition.max.record.locks", "500", "share.auto.offset.reset", "by_duration:PT10M",
                "share.isolation.level", "read_committed"));

        assertThat(settings).isEqualTo(new SharePartitionManager.GroupSettings(20_000, 3, 500, "by_duration:pt10m", true));
    }
}
