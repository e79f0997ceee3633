package io.dlog.kafka.handlers.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** A fetch session's partition key: by topic id (v13+) or by name, equal exactly when all three parts are. */
class FetchSessionKeyTest {
    private static final Uuid ID = Uuid.randomUuid();

    @Test
    void shouldBeEqualExactlyWhenIdNameAndPartitionAre() {
        FetchSession.Key byId = new FetchSession.Key(ID, "", 2);
        FetchSession.Key sameById = new FetchSession.Key(new Uuid(ID.getMostSignificantBits(),
                ID.getLeastSignificantBits()), new String(new char[0]), 2);

        assertThat(byId).isEqualTo(sameById).hasSameHashCodeAs(sameById);
        assertThat(byId).isNotEqualTo(new FetchSession.Key(ID, "", 3));
        assertThat(byId).isNotEqualTo(new FetchSession.Key(Uuid.randomUuid(), "", 2));
        // a key by name never matches a key by id of the same partition
        assertThat(byId).isNotEqualTo(new FetchSession.Key(Uuid.ZERO_UUID, "t", 2));
        assertThat(new FetchSession.Key(Uuid.ZERO_UUID, "t", 2)).isEqualTo(new FetchSession.Key(Uuid.ZERO_UUID,
                new String("t".toCharArray()), 2));
        assertThat(byId).isNotEqualTo(null);
    }
}
