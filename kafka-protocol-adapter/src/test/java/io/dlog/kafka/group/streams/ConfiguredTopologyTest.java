package io.dlog.kafka.group.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfiguredTopologyTest {
    /** A word count: subtopology 0 reads "input" and writes "rep"; 1 reads "rep" with a store logged to "log". */
    private static StreamsTopology wordCount(int declaredRepartitionPartitions) {
        StreamsTopology.Subtopology zero = new StreamsTopology.Subtopology("0", List.of("input"), List.of(), List.of("rep"),
                List.of(), List.of(), List.of());
        StreamsTopology.Subtopology one = new StreamsTopology.Subtopology("1", List.of(), List.of(), List.of(),
                List.of(new StreamsTopology.TopicInfo("rep", declaredRepartitionPartitions, (short) 0,
                        Map.of("cleanup.policy", "delete"))),
                List.of(new StreamsTopology.TopicInfo("log", 0, (short) 0, Map.of("cleanup.policy", "compact"))), List.of());
        return new StreamsTopology(1, List.of(zero, one));
    }

    @Test
    void shouldDeriveInternalTopicsFromTheSourcePartitions() {
        // Given only the input topic, with three partitions
        Map<String, Integer> topics = new HashMap<>(Map.of("input", 3));

        // When
        ConfiguredTopology configured = ConfiguredTopology.configure(wordCount(0), t -> topics.getOrDefault(t, -1));

        // Then both internal topics are to be created with three partitions, and nothing is assigned yet
        assertThat(configured.isReady()).isFalse();
        assertThat(configured.statuses()).extracting(ConfiguredTopology.Status::code)
                .containsExactly(ConfiguredTopology.MISSING_INTERNAL_TOPICS);
        assertThat(configured.missingInternalTopics().get("rep").partitions()).isEqualTo(3);
        assertThat(configured.missingInternalTopics().get("log").partitions()).isEqualTo(3);
        assertThat(configured.missingInternalTopics().get("log").configs()).containsEntry("cleanup.policy", "compact");
        assertThat(configured.tasks()).isEmpty();

        // And once they exist: six tasks
        topics.put("rep", 3);
        topics.put("log", 3);
        ConfiguredTopology ready = ConfiguredTopology.configure(wordCount(0), t -> topics.getOrDefault(t, -1));
        assertThat(ready.isReady()).isTrue();
        assertThat(ready.tasks()).hasSize(6).contains(new TaskId("0", 2), new TaskId("1", 0));
    }

    @Test
    void shouldReportMissingSourceAndWronglyPartitionedTopics() {
        assertThat(ConfiguredTopology.configure(wordCount(0), t -> -1).statuses())
                .extracting(ConfiguredTopology.Status::code).containsExactly(ConfiguredTopology.MISSING_SOURCE_TOPICS);
        Map<String, Integer> topics = Map.of("input", 3, "rep", 3, "log", 2);
        ConfiguredTopology configured = ConfiguredTopology.configure(wordCount(0), t -> topics.getOrDefault(t, -1));
        assertThat(configured.statuses()).extracting(ConfiguredTopology.Status::code)
                .containsExactly(ConfiguredTopology.INCORRECTLY_PARTITIONED_TOPICS);
        assertThat(configured.statuses().get(0).detail()).contains("log");
    }

    @Test
    void shouldHonourADeclaredRepartitionCountAndCopartitionGroups() {
        // Given a declared count of 5 for the repartition topic
        Map<String, Integer> topics = Map.of("input", 3);
        assertThat(ConfiguredTopology.configure(wordCount(5), t -> topics.getOrDefault(t, -1))
                .missingInternalTopics().get("rep").partitions()).isEqualTo(5);

        // And a join of two copartitioned inputs with different counts
        StreamsTopology join = new StreamsTopology(1, List.of(new StreamsTopology.Subtopology("0", List.of("left", "right"),
                List.of(), List.of(), List.of(), List.of(), List.of(Set.of("left", "right")))));
        ConfiguredTopology configured = ConfiguredTopology.configure(join, t -> t.equals("left") ? 2 : 4);
        assertThat(configured.statuses()).extracting(ConfiguredTopology.Status::code)
                .containsExactly(ConfiguredTopology.INCORRECTLY_PARTITIONED_TOPICS);
    }
}
