package io.dlog.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code streams.version} feature gates the streams group protocol as on Kafka 4.2+: finalized at 1 on
 * a new cluster; disabled (level 0) a Streams 4.3.1 application on group.protocol=streams fails with
 * UNSUPPORTED_VERSION instead of running.
 */
@Timeout(120)
class StreamsVersionFeatureTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @TempDir
    Path stateDir;

    private static short finalized(Admin admin) throws Exception {
        FeatureMetadata features = admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
        assertThat(features.supportedFeatures().get("streams.version").maxVersion()).isEqualTo((short) 1);
        var level = features.finalizedFeatures().get("streams.version");
        return level == null ? 0 : level.maxVersionLevel();
    }

    @Test
    void shouldRefuseTheStreamsProtocolWhileStreamsVersionIsDisabled() throws Exception {
        try (Admin admin = DLOG.admin()) {
            // Given a new cluster: level 1
            assertThat(finalized(admin)).isEqualTo((short) 1);

            // When disabled
            admin.updateFeatures(Map.of("streams.version", new FeatureUpdate((short) 0,
                    FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
            assertThat(finalized(admin)).isZero();

            // Then a Streams application on the streams protocol goes to ERROR
            String input = DLOG.newTopic(1);
            var props = WordCount.props(DLOG.bootstrapServers(), "streams-off-" + input, stateDir, StreamsConfig.AT_LEAST_ONCE);
            props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
            try (KafkaStreams streams = new KafkaStreams(WordCount.topology(input, DLOG.newTopic(1)), props)) {
                streams.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (streams.state() != KafkaStreams.State.ERROR && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(streams.state()).isEqualTo(KafkaStreams.State.ERROR);
                streams.close(Duration.ofSeconds(10));
            }

            // And enabled again, level 1
            admin.updateFeatures(Map.of("streams.version", new FeatureUpdate((short) 1,
                    FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get(30, TimeUnit.SECONDS);
            assertThat(finalized(admin)).isEqualTo((short) 1);
        }
    }
}
