package io.dlog.compat.badinput;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hostile clients for the abuse tests: sockets that write the same request frame over and over as fast
 * as the broker takes it and never read a byte back. {@link #close()} closes the sockets, which also
 * ends the writer threads (a blocked write fails).
 *
 * <p>The broker runs in this JVM and Kafka's clients do not use Netty, so Netty's pooled allocator
 * metrics are the broker's own: {@link #brokerDirectMemory()}.
 */
final class Flood implements AutoCloseable {
    /** How long a flood runs: short in the default build, -Ddlog.abuse.seconds=30 for the figure. */
    static final long SECONDS = Long.getLong("dlog.abuse.seconds", 6);

    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final AtomicLong framesWritten = new AtomicLong();

    /** Opens {@code connections} sockets with a tiny receive buffer, each writing {@code frame} in a loop. */
    static Flood start(int port, int connections, byte[] frame) throws IOException {
        Flood flood = new Flood();
        for (int i = 0; i < connections; i++) {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            flood.sockets.add(socket);
            Thread writer = new Thread(() -> flood.writeForever(socket, frame), "flood-" + i);
            writer.setDaemon(true);
            flood.writers.add(writer);
            writer.start();
        }
        return flood;
    }

    private void writeForever(Socket socket, byte[] frame) {
        try {
            OutputStream out = socket.getOutputStream();
            while (!socket.isClosed()) {
                out.write(frame);
                framesWritten.incrementAndGet();
            }
        } catch (IOException e) {
            // closed by the test or by the broker: the flood is over for this socket
        }
    }

    long framesWritten() {
        return framesWritten.get();
    }

    static long brokerDirectMemory() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    /** Heap in use after a full collection, as near as System.gc() gets. */
    static long heapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    @Override
    public void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        try {
            for (Thread writer : writers) {
                writer.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
