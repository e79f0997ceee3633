package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataCommand;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Brokers' data folder ids: carried by registrations and snapshots, absent from what earlier releases wrote. */
class MetadataCodecDirectoryIdsTest {
    private static final List<BrokerImage.Endpoint> ENDPOINTS = List.of(new BrokerImage.Endpoint("PLAINTEXT", "h", 9092));

    @Test
    void shouldRoundTripARegistrationWithAndWithoutAFolderId() throws Exception {
        MetadataCommand.RegisterBroker with = new MetadataCommand.RegisterBroker(1, 7, ENDPOINTS, "r1", "AAAAAAAAAAAAAAAAAAAAAA");
        MetadataCommand.RegisterBroker without = new MetadataCommand.RegisterBroker(2, 8, ENDPOINTS, null);

        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(with))).isEqualTo(with);
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(without))).isEqualTo(without);
    }

    @Test
    void shouldReadARegistrationWrittenBeforeFolderIdsAsHavingNone() throws Exception {
        // What a release before folder ids wrote: version, tag, id, incarnation, endpoints, rack, and nothing after
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(4);
        out.writeByte(3);
        out.writeInt(1);
        out.writeLong(7);
        out.writeInt(0);
        out.writeInt(-1); // null rack

        MetadataCommand decoded = MetadataCodec.decodeCommand(bytes.toByteArray());

        assertThat(decoded).isEqualTo(new MetadataCommand.RegisterBroker(1, 7, List.of(), null));
    }

    @Test
    void shouldKeepFolderIdsInSnapshots() throws Exception {
        MetadataImage image = MetadataImage.EMPTY.withClusterId("c").withVersion(3).withBrokers(Map.of(
                1, new BrokerImage(1, 7, ENDPOINTS, null, false, "AAAAAAAAAAAAAAAAAAAAAA"),
                2, new BrokerImage(2, 8, ENDPOINTS, "r2", true)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);

        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read).isEqualTo(image);
        assertThat(read.brokers().get(1).directoryId()).isEqualTo("AAAAAAAAAAAAAAAAAAAAAA");
        assertThat(read.brokers().get(2).directoryId()).isNull();
    }

    @Test
    void shouldKeepEmptiedReplicasInSnapshots() throws Exception {
        TopicImage topic = new TopicImage("t", UUID.randomUUID(), 2, Map.of(), List.of(List.of(1, 2, 3), List.of(2, 3, 1)))
                .withState(0, new PartitionState(2, 4, List.of(2), 6, List.of(), List.of(), List.of(1, 3)));
        MetadataImage image = MetadataImage.EMPTY.withClusterId("c").withVersion(3).withTopics(Map.of("t", topic));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(out, image);

        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read).isEqualTo(image);
        assertThat(read.topics().get("t").state(0).emptied()).containsExactly(1, 3);
        assertThat(read.topics().get("t").state(1).emptied()).isEmpty();
    }
}
