package io.dlog.compat.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntBinaryOperator;

/**
 * A loopback TCP proxy in front of one port of one node: every connection to {@link #port()} is forwarded to the
 * node's real port, unless the {@link NetworkPartitioner} says the link from the connecting process to this node
 * is cut. A cut link behaves as a network that drops packets: an existing connection stops delivering bytes in
 * both directions (they are read and discarded), a new one is accepted and then hears nothing; when the network
 * heals, those connections are closed so both ends reconnect on a clean stream (TCP would have reset them too).
 *
 * <p>Threads: one acceptor, two blocking pump threads per connection (a few dozen connections per run). The
 * connection set is concurrent; a connection's cut flag is volatile.
 */
final class LinkProxy implements AutoCloseable {
    /** Who connected: a node id, or {@link #CLIENT} for anything else (the test's own clients). */
    static final int CLIENT = -1;

    private final int target;
    private final int targetPort;
    private final NetworkPartitioner network;
    private final IntBinaryOperator sourceOfPeerPort;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicLong blackholed = new AtomicLong();
    private final Set<Integer> sourcesSeen = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    /**
     * @param target           the node behind this proxy
     * @param sourceOfPeerPort maps the connecting socket's port (and this proxy's) to the node that owns it ({@link #CLIENT} if none)
     */
    LinkProxy(int target, int targetPort, NetworkPartitioner network, IntBinaryOperator sourceOfPeerPort) throws IOException {
        this.target = target;
        this.targetPort = targetPort;
        this.network = network;
        this.sourceOfPeerPort = sourceOfPeerPort;
        this.server = new ServerSocket(0, 200, InetAddress.getByName("127.0.0.1"));
        this.acceptor = new Thread(this::acceptLoop, "link-proxy-to-" + target + "-" + targetPort);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    int target() {
        return target;
    }

    /** Connections that were cut (or accepted while cut) since the proxy started. */
    long blackholedConnections() {
        return blackholed.get();
    }

    /** Every source (node id or {@link #CLIENT}) that connected through this proxy so far. */
    Set<Integer> sourcesSeen() {
        return Set.copyOf(sourcesSeen);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket inbound = server.accept();
                inbound.setTcpNoDelay(true);
                int source = sourceOfPeerPort.applyAsInt(inbound.getPort(), inbound.getLocalPort());
                sourcesSeen.add(source);
                Link link = new Link(source, inbound);
                links.add(link);
                if (network.isCut(source, target, targetPort)) {
                    link.cut();
                    continue; // accepted, and it will hear nothing until the network heals
                }
                link.connect();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    sleep(10);
                }
            }
        }
    }

    /** Cuts every connection the partitioner now forbids. */
    void applyCuts() {
        for (Link link : links) {
            if (network.isCut(link.source, target, targetPort)) {
                link.cut();
            }
        }
    }

    /** Closes every cut connection: the network is whole again and both ends reconnect. */
    void closeCutLinks() {
        for (Link link : links) {
            if (link.cut) {
                link.close();
            }
        }
    }

    /** Closes the cut connections whose link is whole again, after a partial heal; both ends reconnect. */
    void closeLinksNoLongerCut() {
        for (Link link : links) {
            if (link.cut && !network.isCut(link.source, target, targetPort)) {
                link.close();
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        links.forEach(Link::close);
    }

    /** One proxied connection. */
    private final class Link {
        final int source;
        final Socket inbound;
        volatile Socket outbound;
        volatile boolean cut;

        Link(int source, Socket inbound) {
            this.source = source;
            this.inbound = inbound;
        }

        void connect() {
            try {
                Socket out = new Socket();
                out.setTcpNoDelay(true);
                out.connect(new InetSocketAddress("127.0.0.1", targetPort), 2_000);
                outbound = out;
                pump(inbound, out, "in");
                pump(out, inbound, "out");
            } catch (IOException e) {
                close(); // the node is down: the client sees its connection closed, as when the port refuses
            }
        }

        void cut() {
            if (!cut) {
                cut = true;
                blackholed.incrementAndGet();
            }
            if (outbound == null) {
                pump(inbound, null, "void"); // read and discard what a cut connection sends
            }
        }

        private void pump(Socket from, Socket to, String direction) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[64 * 1024];
                try (InputStream in = from.getInputStream()) {
                    OutputStream out = to == null ? null : to.getOutputStream();
                    int read;
                    while ((read = in.read(buffer)) >= 0) {
                        if (!cut && out != null) {
                            out.write(buffer, 0, read);
                        }
                    }
                } catch (IOException e) {
                    // the other side closed, or we closed the link
                } finally {
                    if (!cut) {
                        close();
                    }
                }
            }, "link-" + source + "-" + target + "-" + direction);
            thread.setDaemon(true);
            thread.start();
        }

        void close() {
            links.remove(this);
            closeQuietly(inbound);
            Socket out = outbound;
            if (out != null) {
                closeQuietly(out);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
