package io.dlog.compat.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts and heals the links between the nodes of a {@link ProxiedProcessCluster}. Every node's client port and
 * Raft port sit behind a {@link LinkProxy}, and every node (and every client) reaches every node only through
 * those proxies, so each connection passes one proxy that knows its target node. The proxy learns the source
 * node from the kernel: the connecting socket's port leads, through {@code /proc/net/tcp6} (or {@code tcp}), to
 * its inode, and the inode to the child JVM holding it ({@code /proc/<pid>/fd}); the child's command line names
 * its node folder. A connection from anything else (the test's clients) is never cut: as in Jepsen, a partition
 * separates nodes from nodes, while each node stays reachable by clients (which is what lets a client write to
 * an isolated leader, the case that must not be acknowledged).
 *
 * <p>Thread-safe: the cut set is concurrent; the test thread cuts and heals, the proxies' threads read.
 */
final class NetworkPartitioner implements AutoCloseable {
    private static final Pattern NODE_FOLDER = Pattern.compile("node-(\\d+)[/\\\\]server\\.properties");

    private final Set<Long> cuts = ConcurrentHashMap.newKeySet();
    /** One-way cuts of a single port: "from>to:port". */
    private final Set<String> portCuts = ConcurrentHashMap.newKeySet();
    private final List<LinkProxy> proxies = new ArrayList<>();
    private final Set<Integer> nodes = ConcurrentHashMap.newKeySet();

    /** A proxy in front of {@code targetPort} of node {@code target}; connect to its {@link LinkProxy#port()}. */
    synchronized LinkProxy proxy(int target, int targetPort) throws IOException {
        LinkProxy proxy = new LinkProxy(target, targetPort, this, NetworkPartitioner::nodeOwningPeerPort);
        proxies.add(proxy);
        nodes.add(target);
        return proxy;
    }

    private static long key(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }

    boolean isCut(int from, int to) {
        return cuts.contains(key(from, to));
    }

    boolean isCut(int from, int to, int toPort) {
        return cuts.contains(key(from, to)) || portCuts.contains(from + ">" + to + ":" + toPort);
    }

    /**
     * Cuts only the connections {@code from} opens to port {@code toPort} of {@code to}, one way: with the target's
     * client port, a follower that can no longer fetch from its leader while its heartbeats (Raft port) still pass,
     * which is how a slow or stuck replica fetcher looks to the cluster.
     */
    synchronized void cutPort(int from, int to, int toPort) {
        portCuts.add(from + ">" + to + ":" + toPort);
        proxies.forEach(LinkProxy::applyCuts);
    }

    /** Cuts every link between {@code node} and every other node, both ways. */
    synchronized void isolate(int node) {
        for (int other : nodes) {
            if (other != node) {
                cuts.add(key(node, other));
                cuts.add(key(other, node));
            }
        }
        proxies.forEach(LinkProxy::applyCuts);
    }

    /** Cuts the links between {@code a} and {@code b}, both ways; their links to every other node stay. */
    synchronized void cut(int a, int b) {
        cuts.add(key(a, b));
        cuts.add(key(b, a));
        proxies.forEach(LinkProxy::applyCuts);
    }

    /** Cuts the connections {@code node} opens to every other node; theirs to it stay. */
    synchronized void cutOutbound(int node) {
        for (int other : nodes) {
            if (other != node) {
                cuts.add(key(node, other));
            }
        }
        proxies.forEach(LinkProxy::applyCuts);
    }

    /**
     * Makes the directed links in {@code links} (keys of {@link #link}) the only ones cut: links newly in the set are
     * cut, links no longer in it are restored (their cut connections closed so that both ends reconnect), port cuts
     * are left as they are. Lets overlapping faults be healed one at a time.
     */
    synchronized void cutExactly(Set<Long> links) {
        cuts.retainAll(links);
        cuts.addAll(links);
        proxies.forEach(LinkProxy::applyCuts);
        proxies.forEach(LinkProxy::closeLinksNoLongerCut);
    }

    /** The key of the directed link {@code from} to {@code to}, for {@link #cutExactly}. */
    static long link(int from, int to) {
        return key(from, to);
    }

    /** Restores every link. */
    synchronized void healAll() {
        cuts.clear();
        portCuts.clear();
        proxies.forEach(LinkProxy::closeCutLinks);
    }

    /** Connections cut so far (for tests of the mechanics). */
    synchronized long blackholedConnections() {
        return proxies.stream().mapToLong(LinkProxy::blackholedConnections).sum();
    }

    /** The sources (node ids, {@link LinkProxy#CLIENT}) seen connecting to {@code target}, for tests of the mechanics. */
    synchronized Set<Integer> sourcesSeenBy(int target) {
        Set<Integer> sources = new java.util.TreeSet<>();
        proxies.stream().filter(p -> p.target() == target).forEach(p -> sources.addAll(p.sourcesSeen()));
        return sources;
    }

    @Override
    public synchronized void close() {
        proxies.forEach(LinkProxy::close);
    }

    /**
     * The node whose JVM holds the local end (port {@code peerPort}) of a loopback connection, or
     * {@link LinkProxy#CLIENT}; the connection goes to {@code proxyPort}. Linux only; elsewhere every connection counts as a client's (nothing is cut).
     */
    static int nodeOwningPeerPort(int peerPort, int proxyPort) {
        Optional<String> inode = inodeOfConnection(peerPort, proxyPort);
        if (inode.isEmpty()) {
            return LinkProxy.CLIENT;
        }
        String link = "socket:[" + inode.get() + "]";
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            if (holds(child.pid(), link)) {
                return nodeOf(child.pid());
            }
        }
        return LinkProxy.CLIENT;
    }

    /** The node a child JVM runs, from its command line (ProcessHandle.Info cuts long ones; /proc does not). */
    private static int nodeOf(long pid) {
        try {
            String commandLine = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            Matcher matcher = NODE_FOLDER.matcher(commandLine);
            return matcher.find() ? Integer.parseInt(matcher.group(1)) : LinkProxy.CLIENT;
        } catch (IOException e) {
            return LinkProxy.CLIENT;
        }
    }

    /** The inode of the socket from local port {@code port} to {@code remotePort}, from /proc/net/tcp6 and tcp. */
    static Optional<String> inodeOfConnection(int port, int remotePort) {
        String hexPort = ":" + String.format(Locale.ROOT, "%04X", port);
        String hexRemote = ":" + String.format(Locale.ROOT, "%04X", remotePort);
        for (String table : List.of("/proc/net/tcp6", "/proc/net/tcp")) {
            try {
                for (String line : Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII)) {
                    String[] fields = line.trim().split("\\s+");
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    if (fields.length > 9 && fields[1].endsWith(hexPort) && fields[2].endsWith(hexRemote)
                            && !fields[9].equals("0")) {
                        return Optional.of(fields[9]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such table here
            }
        }
        return Optional.empty();
    }

    private static boolean holds(long pid, String socketLink) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(socketLink)) {
                        return true;
                    }
                } catch (IOException e) {
                    // the fd closed meanwhile
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        return false;
    }
}
