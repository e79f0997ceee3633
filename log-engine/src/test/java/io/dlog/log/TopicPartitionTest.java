package io.dlog.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TopicPartition's written-out equals and hashCode keep a record's value semantics. */
class TopicPartitionTest {

    @Test
    void shouldBeEqualExactlyWhenTopicAndPartitionAre() {
        TopicPartition a = new TopicPartition("orders", 3);
        TopicPartition same = new TopicPartition(new String("orders".toCharArray()), 3);

        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(new TopicPartition("orders", 4));
        assertThat(a).isNotEqualTo(new TopicPartition("order", 3));
        assertThat(a).isNotEqualTo(null);
        assertThat(a).isNotEqualTo("orders-3");
    }

    @Test
    void shouldFindAPartitionByAnEqualKey() {
        Map<TopicPartition, String> map = new HashMap<>();
        for (int p = 0; p < 50; p++) {
            map.put(new TopicPartition("t", p), "v" + p);
        }

        assertThat(map.get(new TopicPartition(new String("t".toCharArray()), 17))).isEqualTo("v17");
        assertThat(map.get(new TopicPartition("u", 17))).isNull();
    }
}
