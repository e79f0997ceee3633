package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataApplier;
import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.MetadataCommand.QuotaChange;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.QuotaEntity;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client quotas (AlterClientQuotas) in the image: applied, encoded in commands and snapshots. */
class MetadataCodecQuotasTest {
    private static final QuotaEntity ALICE = entity(QuotaEntity.USER, "alice");
    private static final QuotaEntity ALICE_DEFAULT_CLIENT = entity(QuotaEntity.USER, "alice", QuotaEntity.CLIENT_ID, null);
    private static final QuotaEntity DEFAULT_CLIENT = entity(QuotaEntity.CLIENT_ID, null);

    private static QuotaEntity entity(String... typeAndName) {
        QuotaEntity.Part[] parts = new QuotaEntity.Part[typeAndName.length / 2];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = new QuotaEntity.Part(typeAndName[2 * i], typeAndName[2 * i + 1]);
        }
        return new QuotaEntity(Arrays.asList(parts));
    }

    private static MetadataImage roundTrip(MetadataImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);
        return MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));
    }

    @Test
    void shouldSetReplaceAndRemoveQuotaValuesAndDropAnEmptiedEntity() {
        MetadataImage image = MetadataImage.EMPTY.withClusterId("c");

        MetadataImage set = MetadataApplier.apply(image, new MetadataCommand.AlterClientQuotas(List.of(
                new QuotaChange(ALICE, "producer_byte_rate", 1024.0),
                new QuotaChange(ALICE, "consumer_byte_rate", 2048.0),
                new QuotaChange(DEFAULT_CLIENT, "request_percentage", 50.5))), 2).image();
        MetadataImage changed = MetadataApplier.apply(set, new MetadataCommand.AlterClientQuotas(List.of(
                new QuotaChange(ALICE, "producer_byte_rate", null),
                new QuotaChange(DEFAULT_CLIENT, "request_percentage", null),
                new QuotaChange(DEFAULT_CLIENT, "consumer_byte_rate", null))), 3).image();

        assertThat(set.security().quotas().entities()).isEqualTo(Map.of(
                ALICE, Map.of("producer_byte_rate", 1024.0, "consumer_byte_rate", 2048.0),
                DEFAULT_CLIENT, Map.of("request_percentage", 50.5)));
        assertThat(changed.security().quotas().entities()).isEqualTo(Map.of(ALICE, Map.of("consumer_byte_rate", 2048.0)));
    }

    @Test
    void shouldRoundTripTheCommandAndAnImageWithQuotasAndFeatures() throws Exception {
        MetadataCommand.AlterClientQuotas command = new MetadataCommand.AlterClientQuotas(List.of(
                new QuotaChange(ALICE_DEFAULT_CLIENT, "producer_byte_rate", 1e6),
                new QuotaChange(DEFAULT_CLIENT, "consumer_byte_rate", null)));
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(command))).isEqualTo(command);

        MetadataImage image = MetadataApplier.apply(MetadataImage.EMPTY.withClusterId("c")
                .withFeatures(Map.of("transaction.version", (short) 2)), command, 7).image();
        assertThat(image.security().quotas().isEmpty()).isFalse();
        assertThat(roundTrip(image)).isEqualTo(image);
        assertThat(roundTrip(MetadataImage.EMPTY.withClusterId("c")).security().quotas().isEmpty()).isTrue();
    }

    @Test
    void shouldKeepEntityPartsInTypeOrder() {
        assertThat(entity(QuotaEntity.USER, "u", QuotaEntity.CLIENT_ID, "c"))
                .isEqualTo(entity(QuotaEntity.CLIENT_ID, "c", QuotaEntity.USER, "u"));
        assertThat(ALICE_DEFAULT_CLIENT.toString()).isEqualTo("client-id=<default>, user=alice");
    }
}
