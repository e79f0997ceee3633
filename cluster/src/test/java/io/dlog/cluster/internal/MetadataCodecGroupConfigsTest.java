package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataApplier;
import io.dlog.cluster.MetadataCommand;
import io.dlog.log.metadata.MetadataImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Group configs (GROUP config resources) in the image: applied, encoded in commands and snapshots. */
class MetadataCodecGroupConfigsTest {

    private static MetadataImage roundTrip(MetadataImage image) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);
        return MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));
    }

    @Test
    void shouldReplaceAGroupsOverridesAndDropThemWhenEmptied() {
        MetadataImage image = MetadataImage.EMPTY.withClusterId("c");

        MetadataImage set = MetadataApplier.apply(image, new MetadataCommand.SetGroupConfigs("g1",
                Map.of("share.auto.offset.reset", "earliest", "consumer.session.timeout.ms", "50000")), 2).image();
        MetadataImage replaced = MetadataApplier.apply(set, new MetadataCommand.SetGroupConfigs("g1",
                Map.of("share.isolation.level", "read_committed")), 3).image();
        MetadataImage removed = MetadataApplier.apply(replaced, new MetadataCommand.SetGroupConfigs("g1", Map.of()), 4).image();

        assertThat(set.groupConfigs("g1")).isEqualTo(Map.of("share.auto.offset.reset", "earliest",
                "consumer.session.timeout.ms", "50000"));
        assertThat(replaced.groupConfigs()).isEqualTo(Map.of("g1", Map.of("share.isolation.level", "read_committed")));
        assertThat(removed.groupConfigs()).isEmpty();
        assertThat(removed.groupConfigs("g1")).isEmpty();
    }

    @Test
    void shouldRoundTripTheCommandAndAnImageWithGroupConfigs() throws Exception {
        MetadataCommand.SetGroupConfigs command = new MetadataCommand.SetGroupConfigs("orders",
                Map.of("share.record.lock.duration.ms", "20000"));
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(command))).isEqualTo(command);

        MetadataImage image = MetadataApplier.apply(MetadataImage.EMPTY.withClusterId("c")
                .withFeatures(Map.of("share.version", (short) 1)), command, 5).image();
        MetadataImage read = roundTrip(image);

        assertThat(read).isEqualTo(image);
        assertThat(read.groupConfigs("orders")).containsEntry("share.record.lock.duration.ms", "20000");
        assertThat(roundTrip(MetadataImage.EMPTY.withClusterId("c")).groupConfigs()).isEmpty();
    }
}
