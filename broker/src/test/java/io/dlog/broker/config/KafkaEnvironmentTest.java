package io.dlog.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KAFKA_* variables read as the Apache Kafka image reads them (kafka.docker.KafkaDockerWrapper). */
class KafkaEnvironmentTest {

    @Test
    void shouldMapTheKafkaImagesVariablesToTheirKeys() {
        assertThat(KafkaEnvironment.configKey("KAFKA_NODE_ID")).isEqualTo("node.id");
        assertThat(KafkaEnvironment.configKey("KAFKA_LISTENERS")).isEqualTo("listeners");
        assertThat(KafkaEnvironment.configKey("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo("controller.quorum.voters");
        assertThat(KafkaEnvironment.configKey("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")).isEqualTo("listener.security.protocol.map");
        assertThat(KafkaEnvironment.configKey("KAFKA_DLOG_FLIGHT_PORT")).isEqualTo("dlog.flight.port");
    }

    @Test
    void shouldReadDoubleUnderscoreAsUnderscoreAndTripleAsDash() {
        assertThat(KafkaEnvironment.configKey("KAFKA_FOO__BAR")).isEqualTo("foo_bar");
        assertThat(KafkaEnvironment.configKey("KAFKA_FOO___BAR")).isEqualTo("foo-bar");
        assertThat(KafkaEnvironment.configKey("KAFKA_LISTENER_NAME_INTERNAL_SASL__ENABLED__MECHANISMS"))
                .isEqualTo("listener.name.internal.sasl_enabled_mechanisms");
        assertThat(KafkaEnvironment.configKey("KAFKA_A___B__C_D")).isEqualTo("a-b_c.d");
    }

    @Test
    void shouldNameTheVariableOfAKeyAsTheInverse() {
        for (String key : List.of("node.id", "controller.quorum.voters", "foo_bar", "foo-bar", "a-b_c.d")) {
            assertThat(KafkaEnvironment.configKey(KafkaEnvironment.variable(key))).as(key).isEqualTo(key);
        }
        assertThat(KafkaEnvironment.variable("log.dirs")).isEqualTo("KAFKA_LOG_DIRS");
    }

    @Test
    void shouldSkipTheJvmAndLoggingVariablesAndEverythingWithoutThePrefix() {
        // Given
        Map<String, String> environment = Map.of("KAFKA_NODE_ID", "3", "KAFKA_HEAP_OPTS", "-Xmx1g", "KAFKA_OPTS", "-Dx=y",
                "KAFKA_JMX_OPTS", "-Dz", "KAFKA_LOG4J_LOGGERS", "kafka=WARN", "KAFKA_VERSION", "4.0", "KAFKA_", "empty name",
                "PATH", "/bin", "JAVA_OPTS", "-Xmx1g", "CLUSTER_ID", "abc");

        // When
        List<KafkaEnvironment.Setting> settings = KafkaEnvironment.settings(environment);

        // Then
        assertThat(settings).containsExactly(new KafkaEnvironment.Setting("KAFKA_NODE_ID", "node.id", "3"));
    }

    @Test
    void shouldKeepValuesVerbatim() {
        // When
        List<KafkaEnvironment.Setting> settings = KafkaEnvironment.settings(Map.of(
                "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://dlog-1:9092,BROKER://dlog-1:9093 "));

        // Then: as Kafka appends "key=value" to server.properties, whose loader trims nothing at the end
        assertThat(settings).singleElement().extracting(KafkaEnvironment.Setting::value)
                .isEqualTo("PLAINTEXT://dlog-1:9092,BROKER://dlog-1:9093 ");
    }
}
