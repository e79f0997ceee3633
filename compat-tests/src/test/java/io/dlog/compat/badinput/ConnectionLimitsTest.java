package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** max.connections.per.ip and connections.max.idle.ms, as Kafka names and applies them. */
class ConnectionLimitsTest {
    private static final int PER_IP = 30;
    private static final long IDLE_MS = 1500;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("max.connections.per.ip", Integer.toString(PER_IP))
            .with("connections.max.idle.ms", Long.toString(IDLE_MS));

    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before");
    }

    @AfterEach
    void brokerStillServesAndKeepsEverything() throws Exception {
        health.assertServesAndKeepsEverything();
    }

    @Test
    void shouldCloseConnectionsFromOneAddressAboveMaxConnectionsPerIp() throws Exception {
        List<RawConnection> connections = new ArrayList<>();
        try {
            // When: more connections from 127.0.0.1 than the limit, each asking for ApiVersions
            int answered = 0;
            int refused = 0;
            for (int i = 0; i < PER_IP + 10; i++) {
                RawConnection connection = RawConnection.open(DLOG.broker().port());
                connections.add(connection);
                if (answersApiVersions(connection)) {
                    answered++;
                } else {
                    refused++;
                }
            }

            // Then
            assertThat(answered).isLessThanOrEqualTo(PER_IP);
            assertThat(refused).isGreaterThanOrEqualTo(10);
        } finally {
            for (RawConnection connection : connections) {
                connection.close();
            }
        }
        // The closes are counted: a fresh connection is served again (after-each check).
        Thread.sleep(200);
    }

    @Test
    void shouldCloseAConnectionIdleForConnectionsMaxIdleMsAndKeepABusyOne() throws Exception {
        try (RawConnection idle = RawConnection.open(DLOG.broker().port());
             RawConnection busy = RawConnection.open(DLOG.broker().port())) {
            assertThat(answersApiVersions(idle)).isTrue();

            // When: one stays silent, the other asks something every 300 ms, for twice the idle timeout
            long end = System.nanoTime() + Duration.ofMillis(IDLE_MS * 2).toNanos();
            while (System.nanoTime() - end < 0) {
                assertThat(answersApiVersions(busy)).isTrue();
                Thread.sleep(300);
            }

            // Then
            assertThat(idle.closedByPeerWithin(Duration.ofSeconds(5))).isTrue();
            assertThat(answersApiVersions(busy)).isTrue();
        }
    }

    static boolean answersApiVersions(RawConnection connection) throws IOException {
        try {
            int correlationId = connection.send(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"));
            ApiVersionsResponseData response = new ApiVersionsResponseData(
                    connection.receive(correlationId, ApiKeys.API_VERSIONS, (short) 3), (short) 3);
            return response.errorCode() == Errors.NONE.code();
        } catch (java.io.EOFException | SocketException | SocketTimeoutException e) {
            return false;
        }
    }
}
