package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow loris: many connections that each announce a 1 MiB request and send ten bytes of it, with the
 * broker's defaults. Request memory is then spent only on bytes that arrived, so the broker's direct
 * memory stays far below connections x 1 MiB, and a normal client is served throughout.
 */
class IdleConnectionFloodTest {
    /** Connections in the default build; -Ddlog.abuse.connections=9000 for the figure (needs ulimit -n above 2x that). */
    private static final int CONNECTIONS = Integer.getInteger("dlog.abuse.connections", 1500);
    private static final int ANNOUNCED = 1 << 20;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before");
    }

    @Test
    void shouldHoldManyHalfSentFramesWithoutReservingTheirAnnouncedSize() throws Exception {
        // Given
        long directBefore = Flood.brokerDirectMemory();
        List<Socket> sockets = new ArrayList<>();
        byte[] halfFrame = ByteBuffer.allocate(4 + 10).putInt(ANNOUNCED).put(new byte[10]).array();
        try {
            // When
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", DLOG.broker().port()), 10_000);
                socket.getOutputStream().write(halfFrame);
                sockets.add(socket);
            }
            Thread.sleep(1000);
            long grown = Flood.brokerDirectMemory() - directBefore;
            System.out.printf("slow loris: %d connections announcing %d MiB each; broker direct memory grew %d MiB%n",
                    CONNECTIONS, ANNOUNCED >> 20, grown >> 20);

            // Then: at most half the default 256 MiB request budget goes to whole-frame buffers
            assertThat(grown).isLessThan((128L + 32) << 20);
            health.assertServesAndKeepsEverything();
        } finally {
            for (Socket socket : sockets) {
                closeQuietly(socket);
            }
        }
        health.assertServesAndKeepsEverything();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
