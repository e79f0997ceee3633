package io.dlog.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.internal.MetadataCodec;
import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.ScramCredentialImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecurityApplierTest {
    private static final ScramCredentialImage CREDENTIAL = new ScramCredentialImage("c2FsdA==", "c3RvcmVk", "c2VydmVy", 4096);
    private static final AclImage READ_TOPIC = new AclImage((byte) 2, "orders", (byte) 3, "User:alice", "*", (byte) 3, (byte) 3);
    private static final AclImage WRITE_PREFIX = new AclImage((byte) 2, "ord", (byte) 4, "User:bob", "*", (byte) 4, (byte) 3);

    private MetadataImage image = MetadataImage.EMPTY;
    private long index;

    private void apply(MetadataCommand command) {
        MetadataApplier.Applied applied = MetadataApplier.apply(image, command, ++index);
        assertThat(applied.refusal()).isEmpty();
        image = applied.image();
    }

    @Test
    void shouldUpsertAndDeleteScramCredentialsPerMechanism() {
        // When
        apply(new MetadataCommand.AlterScramCredentials(List.of(
                new MetadataCommand.ScramUpsert("alice", "SCRAM-SHA-256", CREDENTIAL),
                new MetadataCommand.ScramUpsert("alice", "SCRAM-SHA-512", CREDENTIAL)), List.of()));
        apply(new MetadataCommand.AlterScramCredentials(List.of(), List.of(
                new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-256"),
                new MetadataCommand.ScramDeletion("nobody", "SCRAM-SHA-256"))));

        // Then
        assertThat(image.security().scramCredential("alice", "SCRAM-SHA-512")).contains(CREDENTIAL);
        assertThat(image.security().scramCredential("alice", "SCRAM-SHA-256")).isEmpty();
        apply(new MetadataCommand.AlterScramCredentials(List.of(), List.of(new MetadataCommand.ScramDeletion("alice", "SCRAM-SHA-512"))));
        assertThat(image.security().scramCredentials()).isEmpty();
    }

    @Test
    void shouldAddAnAclOnceAndDeleteExactlyTheNamedBindings() {
        apply(new MetadataCommand.CreateAcls(List.of(READ_TOPIC, WRITE_PREFIX)));
        apply(new MetadataCommand.CreateAcls(List.of(READ_TOPIC)));
        assertThat(image.security().acls()).containsExactly(READ_TOPIC, WRITE_PREFIX);

        apply(new MetadataCommand.DeleteAcls(List.of(READ_TOPIC)));
        assertThat(image.security().acls()).containsExactly(WRITE_PREFIX);
    }

    @Test
    void shouldKeepCredentialsAndAclsThroughTheCodec() throws Exception {
        // Given
        MetadataCommand alter = new MetadataCommand.AlterScramCredentials(List.of(
                new MetadataCommand.ScramUpsert("alice", "SCRAM-SHA-256", CREDENTIAL)),
                List.of(new MetadataCommand.ScramDeletion("bob", "SCRAM-SHA-512")));
        MetadataCommand create = new MetadataCommand.CreateAcls(List.of(READ_TOPIC, WRITE_PREFIX));
        apply(alter);
        apply(create);

        // When
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        MetadataCodec.writeImage(snapshot, image);
        MetadataImage read = MetadataCodec.readImage(new ByteArrayInputStream(snapshot.toByteArray()));

        // Then
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(alter))).isEqualTo(alter);
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(create))).isEqualTo(create);
        assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(new MetadataCommand.DeleteAcls(List.of(READ_TOPIC)))))
                .isEqualTo(new MetadataCommand.DeleteAcls(List.of(READ_TOPIC)));
        assertThat(read).isEqualTo(image);
        assertThat(read.security().acls()).containsExactly(READ_TOPIC, WRITE_PREFIX);
    }
}
