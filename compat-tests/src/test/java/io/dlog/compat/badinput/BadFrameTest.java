package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Frames a Kafka client would never send. A bad frame closes that connection, and only that one:
 * after each test a normal client still writes and reads, and every earlier record is intact.
 */
class BadFrameTest {
    private static final int MAX_REQUEST_BYTES = 1_048_576;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("socket.request.max.bytes", Integer.toString(MAX_REQUEST_BYTES));

    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);
    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before-1", "before-2", "before-3");
    }

    @AfterEach
    void brokerStillServesAndKeepsEverything() throws Exception {
        health.assertServesAndKeepsEverything();
    }

    @Test
    void shouldCloseTheConnectionOnGarbageBytes() throws Exception {
        // Given
        byte[] garbage = new byte[256];
        new Random(42).nextBytes(garbage);
        garbage[0] = (byte) 0x7f; // a huge positive length prefix

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            connection.write(garbage);

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldCloseTheConnectionOnANegativeLengthPrefix() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            connection.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, 1, 2, 3, 4});

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldCloseTheConnectionOnAFrameOfGarbageWithAPlausibleLength() throws Exception {
        // Given: a 40-byte frame whose header is noise
        byte[] body = new byte[40];
        new Random(7).nextBytes(body);
        body[0] = (byte) 0x7e; // API key 0x7eXX: none exists
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body);

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            connection.write(frame.array());

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldRejectFrameLargerThanMaxSize() throws Exception {
        // Given
        ByteBuffer prefix = ByteBuffer.allocate(4 + 64).putInt(MAX_REQUEST_BYTES + 1);

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When: only the length prefix (and a little) is sent; the broker must not wait for the rest
            connection.write(prefix.array());

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldStayHealthyWhenAClientSendsHalfAFrameAndLeaves() throws Exception {
        // Given
        ByteBuffer half = ByteBuffer.allocate(4 + 10).putInt(100).put(new byte[10]);

        // When
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            connection.write(half.array());
        }

        // Then: the after-each health check
    }

    @Test
    void shouldAnswerWhatFollowsHalfAFrameOnAnotherConnection() throws Exception {
        // Given: one connection stuck in the middle of a frame
        try (RawConnection stuck = RawConnection.open(DLOG.broker().port());
             RawConnection other = RawConnection.open(DLOG.broker().port())) {
            stuck.write(ByteBuffer.allocate(4 + 3).putInt(50).put(new byte[3]).array());

            // When
            int correlationId = other.send(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            ApiVersionsResponseData response = new ApiVersionsResponseData(
                    other.receive(correlationId, ApiKeys.API_VERSIONS, (short) 3), (short) 3);

            // Then
            assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
        }
    }

    @Test
    void shouldCloseTheConnectionOnAnUnknownApiKey() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            connection.send((short) 999, (short) 0, (short) 1, new ApiVersionsRequestData(), (short) 0);

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldCloseTheConnectionOnAVersionAboveTheServedRange() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When: Metadata v99, header and body as v12
            connection.send(ApiKeys.METADATA, (short) 99, (short) 2, new MetadataRequestData(), (short) 12);

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldCloseTheConnectionOnAVersionBelowTheServedRange() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When: Produce v2 (Kafka 4 removed v0-v2), body written as v3
            connection.send(ApiKeys.PRODUCE, (short) 2, (short) 1,
                    new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000), (short) 3);

            // Then
            assertThat(connection.closedByPeerWithin(CLOSE_WITHIN)).isTrue();
        }
    }

    @Test
    void shouldAnswerApiVersionsNewerThanServedWithUnsupportedVersionAtV0() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When: ApiVersions v127, header v2 and a v3-shaped body, as a newer client would send (KIP-511)
            int correlationId = connection.send(ApiKeys.API_VERSIONS, (short) 127, (short) 2,
                    new ApiVersionsRequestData().setClientSoftwareName("future-client").setClientSoftwareVersion("9.9"),
                    (short) 3);
            // ApiVersions responses always have header v0; an UNSUPPORTED_VERSION answer is at body v0.
            ByteBufferAccessor body = connection.receive(correlationId, (short) 0);
            ApiVersionsResponseData response = new ApiVersionsResponseData(body, (short) 0);

            // Then
            assertThat(response.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            ApiVersionsResponseData.ApiVersion own = response.apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertThat(own).isNotNull();
            assertThat(own.minVersion()).isZero();
            assertThat(own.maxVersion()).isBetween((short) 3, (short) 126);

            // And the connection stays open for the retry at a version the broker serves.
            int retry = connection.send(ApiKeys.API_VERSIONS, own.maxVersion(),
                    new ApiVersionsRequestData().setClientSoftwareName("future-client").setClientSoftwareVersion("9.9"));
            ApiVersionsResponseData full = new ApiVersionsResponseData(
                    connection.receive(retry, ApiKeys.API_VERSIONS, own.maxVersion()), own.maxVersion());
            assertThat(full.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(full.apiKeys().find(ApiKeys.FETCH.id)).isNotNull();
        }
    }
}
