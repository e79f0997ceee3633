package io.dlog.compat.badinput;

import static io.dlog.compat.badinput.ConnectionLimitsTest.answersApiVersions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max.connections: at the limit the broker stops accepting (the client waits) until a connection closes. */
class MaxConnectionsTest {
    private static final int MAX = 12;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("max.connections", Integer.toString(MAX));

    @Test
    void shouldMakeANewConnectionWaitAtMaxConnectionsUntilOneCloses() throws Exception {
        List<RawConnection> connections = new ArrayList<>();
        try {
            // Given: the limit reached, every connection served
            for (int i = 0; i < MAX; i++) {
                RawConnection connection = RawConnection.open(DLOG.broker().port());
                connections.add(connection);
                assertThat(answersApiVersions(connection)).as("connection %d", i).isTrue();
            }

            // When: one more connects (the kernel completes the handshake; the broker does not accept it yet)
            try (RawConnection waiting = RawConnection.open(DLOG.broker().port())) {
                int correlationId = waiting.send(ApiKeys.API_VERSIONS, (short) 3,
                        new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
                waiting.readTimeout(1500);
                assertThatThrownBy(() -> waiting.receive(correlationId, ApiKeys.API_VERSIONS, (short) 3))
                        .isInstanceOf(SocketTimeoutException.class);

                // Then: once a connection closes it is accepted and its request answered
                connections.remove(0).close();
                waiting.readTimeout(10_000);
                ApiVersionsResponseData response = new ApiVersionsResponseData(
                        waiting.receive(correlationId, ApiKeys.API_VERSIONS, (short) 3), (short) 3);
                assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
            }
        } finally {
            for (RawConnection connection : connections) {
                connection.close();
            }
        }
    }
}
