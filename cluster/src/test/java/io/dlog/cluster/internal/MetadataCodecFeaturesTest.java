package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataApplier;
import io.dlog.cluster.MetadataCommand;
import io.dlog.log.metadata.MetadataImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finalized feature levels (UpdateFeatures) in the image: applied, encoded in commands and snapshots, skipped when unknown. */
class MetadataCodecFeaturesTest {

    private static MetadataImage roundTrip(MetadataImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);
        return MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));
    }

    @Test
    void shouldApplyFeatureLevelsAndKeepADisabledOne() {
        MetadataImage image = MetadataImage.EMPTY.withClusterId("c");

        MetadataImage upgraded = MetadataApplier.apply(image, new MetadataCommand.SetFeatures(
                Map.of("transaction.version", (short) 2)), 5).image();
        MetadataImage disabled = MetadataApplier.apply(upgraded, new MetadataCommand.SetFeatures(
                Map.of("transaction.version", (short) 0)), 6).image();

        assertThat(upgraded.feature("transaction.version")).contains((short) 2);
        assertThat(disabled.feature("transaction.version")).contains((short) 0);
        assertThat(disabled.version()).isEqualTo(6);
    }

    @Test
    void shouldRoundTripTheCommandAndAnImageWithFeatures() throws Exception {
        MetadataCommand.SetFeatures command = new MetadataCommand.SetFeatures(Map.of("transaction.version", (short) 1));
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(command))).isEqualTo(command);

        MetadataImage image = MetadataImage.EMPTY.withClusterId("c").withVersion(9)
                .withFeatures(Map.of("transaction.version", (short) 1));
        assertThat(roundTrip(image)).isEqualTo(image);
        assertThat(roundTrip(MetadataImage.EMPTY.withClusterId("c")).features()).isEmpty();
    }

    @Test
    void shouldSkipAnImageSectionOfATagItDoesNotKnow() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, MetadataImage.EMPTY.withClusterId("c").withFeatures(Map.of("transaction.version", (short) 2)));
        DataOutputStream more = new DataOutputStream(out);
        more.writeByte(99); // a section a later release added
        more.writeInt(3);
        more.write(new byte[] {1, 2, 3});

        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read.feature("transaction.version")).contains((short) 2);
    }
}
