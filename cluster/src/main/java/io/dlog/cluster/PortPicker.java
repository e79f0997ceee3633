package io.dlog.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses free TCP ports on 127.0.0.1 that no outgoing connection will take before their owner binds them: a
 * random port between {@link #LOWEST} and the bottom of the kernel's ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}), tried by binding it. Falls back to bind(0) where that range is
 * unknown or leaves no room; and checks that an address is still free before a server binds it. Not thread-safe;
 * one picker per choice of ports (the static methods are).
 */
public final class PortPicker {
    /** Above the ports well-known services listen on (Kafka 9092, ZooKeeper 2181, ...). */
    static final int LOWEST = 10_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int ATTEMPTS = 200;

    private final int below;

    private PortPicker(int below) {
        this.below = below;
    }

    public static PortPicker belowEphemeralRange() {
        return new PortPicker(ephemeralLow());
    }

    /** One port that is free now, for a single child process that binds it soon. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = belowEphemeralRange().bind()) {
            return socket.getLocalPort();
        }
    }

    /** A server socket bound to a free port on 127.0.0.1; the caller closes it when its owner is about to bind. */
    public ServerSocket bind() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        if (below - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
                try {
                    return new ServerSocket(port, 1, loopback);
                } catch (IOException taken) {
                    // someone listens there (or another test just chose it): try another
                }
            }
        }
        return new ServerSocket(0, 1, loopback);
    }

    /**
     * Binds {@code address} and closes it again (with SO_REUSEADDR, as servers bind), to fail before a server that
     * would bind it starts: "cannot listen on {@code shown}: address already in use" when another socket holds it.
     * Port 0 always passes.
     *
     * @param shown how the message names the address and its owner, e.g. {@code 127.0.0.1:9092 (listener PLAINTEXT)}
     */
    public static void checkFree(InetSocketAddress address, String shown) throws IOException {
        if (address.getPort() == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(address);
        } catch (java.net.BindException e) {
            throw new IOException("cannot listen on " + shown + ": address already in use", e);
        }
    }

    /** The first port of the ephemeral range, or {@link #LOWEST} when it cannot be read. */
    private static int ephemeralLow() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE, StandardCharsets.US_ASCII).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException unknown) {
            return LOWEST;
        }
    }
}
