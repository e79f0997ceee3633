package io.dlog.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Layers (file, environment, command line) and where each value came from. */
class EffectiveConfigTest {

    @Test
    void shouldLetTheEnvironmentOverrideTheFileAndTheCommandLineOverrideBoth() {
        // Given
        EffectiveConfig config = new EffectiveConfig()
                .putFile("/etc/dlog/server.properties", Map.of("node.id", "1", "log.dirs", "/data", "num.partitions", "3"))
                .putEnvironment(Map.of("KAFKA_NODE_ID", "2", "KAFKA_NUM_PARTITIONS", "5"))
                .put("num.partitions", "7", EffectiveConfig.Source.COMMAND_LINE, "-o");

        // Then
        assertThat(config.values()).containsOnly(Map.entry("node.id", "2"), Map.entry("log.dirs", "/data"),
                Map.entry("num.partitions", "7"));
        assertThat(config.get("node.id").orElseThrow().describeSource()).isEqualTo("env KAFKA_NODE_ID");
        assertThat(config.get("log.dirs").orElseThrow().describeSource()).isEqualTo("file /etc/dlog/server.properties");
        assertThat(config.get("num.partitions").orElseThrow().describeSource()).isEqualTo("command line -o");
    }

    @Test
    void shouldFillEveryUnsetKeyWithItsDefault() {
        // Given
        EffectiveConfig config = new EffectiveConfig().put("node.id", "4", EffectiveConfig.Source.COMMAND_LINE, "-o");

        // When
        List<EffectiveConfig.Value> all = config.withDefaults(BrokerConfig.definition());

        // Then
        assertThat(all).extracting(EffectiveConfig.Value::key).isSorted().contains("node.id", "num.partitions", "listeners");
        assertThat(all).filteredOn(value -> value.key().equals("num.partitions")).singleElement()
                .satisfies(value -> {
                    assertThat(value.value()).isEqualTo("1");
                    assertThat(value.describeSource()).isEqualTo("default");
                });
        assertThat(all).filteredOn(value -> value.key().equals("node.id")).singleElement()
                .extracting(EffectiveConfig.Value::value).isEqualTo("4");
        // log.dirs has no default (log.dir's applies): it is unset, not listed as null
        assertThat(all).extracting(EffectiveConfig.Value::key).doesNotContain("log.dirs");
    }

    @Test
    void shouldBlameTheValueAnErrorNamesAndSayWhereItWasSet() {
        // Given
        EffectiveConfig config = new EffectiveConfig()
                .putFile("server.properties", Map.of("log.retention.ms", "x", "log.retention", "1"))
                .putEnvironment(Map.of("KAFKA_NUM_PARTITIONS", "many"));

        // When
        String badNumber = ConfigErrors.explain("Invalid value many for configuration num.partitions: Not a number of type INT",
                config, Set.of());
        String longest = ConfigErrors.explain("Invalid value x for configuration log.retention.ms: Not a number", config, Set.of());

        // Then
        assertThat(badNumber).isEqualTo("Invalid value many for configuration num.partitions: Not a number of type INT"
                + " (set by env KAFKA_NUM_PARTITIONS)");
        assertThat(longest).endsWith("(set by file server.properties)");
    }

    @Test
    void shouldSuggestTheKnownKeyAnUnknownOneMisspells() {
        // Given
        EffectiveConfig config = new EffectiveConfig().putEnvironment(Map.of("KAFKA_NUM_PARTITION", "3"));

        // When
        String line = ConfigErrors.explain("unknown config 'num.partition'", config, BrokerConfig.names());

        // Then
        assertThat(line).isEqualTo("unknown config 'num.partition' (set by env KAFKA_NUM_PARTITION); did you mean 'num.partitions'?");
        assertThat(ConfigErrors.closest("completely.different.key", BrokerConfig.names())).isEmpty();
    }
}
