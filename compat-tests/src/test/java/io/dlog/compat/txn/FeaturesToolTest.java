package io.dlog.compat.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import io.dlog.compat.tools.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * UpdateFeatures with Kafka's own tool, {@code kafka-features} (FeatureCommand from kafka-tools 4.3.1, a
 * child JVM): transaction.version downgraded to 1 and upgraded back to 2, each level finalized in the
 * metadata image (ApiVersions shows it, a restart keeps it) and followed by clients (an EndTxn bumps the
 * producer epoch at 2 only); what Kafka refuses, refused with INVALID_UPDATE_VERSION.
 */
@Timeout(240)
class FeaturesToolTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static ChildJvm.Result features(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = DLOG.bootstrapServers();
        System.arraycopy(args, 0, all, 2, args.length);
        return ChildJvm.run(Duration.ofSeconds(60), "org.apache.kafka.tools.FeatureCommand", all);
    }

    private static FeatureMetadata describe() throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
        }
    }

    private static short finalizedTransactionVersion() throws Exception {
        var finalized = describe().finalizedFeatures().get("transaction.version");
        return finalized == null ? 0 : finalized.maxVersionLevel();
    }

    /** The producer epoch after InitProducerId and one committed transaction: bumped by the commit only at version 2. */
    private static int epochAfterOneCommit(String transactionalId) throws Exception {
        String topic = DLOG.newTopic(1);
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "k", "v"));
            producer.commitTransaction();
        }
        try (Admin admin = DLOG.admin()) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(30, TimeUnit.SECONDS).producerEpoch();
        }
    }

    @Test
    void shouldDowngradeAndUpgradeTheTransactionVersionWithKafkaFeatures() throws Exception {
        // Given: a new broker runs transaction version 2
        ChildJvm.Result described = features("describe");
        assertThat(described.exitCode()).as("%s", described).isZero();
        assertThat(described.stdout()).contains("Feature: transaction.version", "SupportedMaxVersion: 2",
                "FinalizedVersionLevel: 2");
        assertThat(epochAfterOneCommit("features-tv2-before")).isEqualTo(1);

        // When: downgraded to 1
        ChildJvm.Result downgraded = features("downgrade", "--feature", "transaction.version=1");

        // Then: finalized, kept across a restart, and clients use version 1 (no epoch bump at commit)
        assertThat(downgraded.exitCode()).as("%s", downgraded).isZero();
        assertThat(downgraded.stdout()).contains("transaction.version was downgraded to 1.");
        assertThat(finalizedTransactionVersion()).isEqualTo((short) 1);
        DLOG.restart();
        assertThat(finalizedTransactionVersion()).isEqualTo((short) 1);
        assertThat(epochAfterOneCommit("features-tv1")).isZero();

        // When: upgraded back
        ChildJvm.Result upgraded = features("upgrade", "--feature", "transaction.version=2");

        // Then
        assertThat(upgraded.exitCode()).as("%s", upgraded).isZero();
        assertThat(upgraded.stdout()).contains("transaction.version was upgraded to 2.");
        assertThat(finalizedTransactionVersion()).isEqualTo((short) 2);
        assertThat(epochAfterOneCommit("features-tv2-after")).isEqualTo(1);
    }

    @Test
    void shouldRefuseWhatKafkaRefuses() throws Exception {
        try (Admin admin = DLOG.admin()) {
            short current = finalizedTransactionVersion();
            // a level above what the broker supports
            ChildJvm.Result tooHigh = features("upgrade", "--feature", "transaction.version=3");
            assertThat(tooHigh.exitCode()).as("%s", tooHigh).isNotZero();
            assertThat(tooHigh.stdout() + tooHigh.stderr()).contains("Invalid update version 3 for feature transaction.version");
            // a lower level sent as an upgrade
            assertThatThrownBy(() -> admin.updateFeatures(Map.of("transaction.version",
                    new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions())
                    .all().get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidUpdateVersionException.class).hasMessageContaining("Can't downgrade");
            // a feature DLog does not have, next to a valid update: nothing changes
            assertThatThrownBy(() -> admin.updateFeatures(Map.of("transaction.version",
                    new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE), "no.such.feature",
                    new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions())
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(InvalidUpdateVersionException.class);
            // validate only: accepted, not applied
            admin.updateFeatures(Map.of("transaction.version", new FeatureUpdate((short) 1,
                    FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions().validateOnly(true))
                    .all().get(30, TimeUnit.SECONDS);
            assertThat(finalizedTransactionVersion()).isEqualTo(current);
        }
    }
}
