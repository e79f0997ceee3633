package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The partition fault's mechanics on their own: a node cut off by the link proxies can neither reach its peers
 * (the others fence it: its heartbeats no longer arrive) nor be reached by them (it does not learn a topic the
 * majority creates), while a client still reaches it; healing the network brings it back.
 */
@Tag("fault")
class NetworkPartitionTest {

    @Test
    void shouldCutANodeOffFromItsPeersBothWaysUntilHealed() throws Exception {
        try (ProxiedProcessCluster cluster = ProxiedProcessCluster.start(3, Map.of())) {
            // Given: the node to cut off does not lead the metadata group (so the majority keeps a leader)
            int metadataLeader = new ClusterView(cluster).metadataLeader();
            int isolated = metadataLeader == 3 ? 2 : 3;
            int majority = metadataLeader;
            assertThat(cluster.network().isCut(isolated, majority)).isFalse();

            // When
            cluster.network().isolate(isolated);

            // Then: links between nodes are cut both ways, links from clients are not
            assertThat(cluster.network().isCut(isolated, majority)).isTrue();
            assertThat(cluster.network().isCut(majority, isolated)).isTrue();
            assertThat(cluster.network().isCut(LinkProxy.CLIENT, isolated)).isFalse();
            assertThat(cluster.network().blackholedConnections()).as("node-to-node connections cut").isPositive();

            // Then: outbound cut: the majority stops hearing its heartbeats and fences it (Metadata lists live brokers)
            List<Integer> rest = cluster.nodeIds().stream().filter(n -> n != isolated).toList();
            awaitBrokersSeenBy(cluster, majority, new TreeSet<>(rest), Duration.ofSeconds(45));

            // Then: inbound cut: a topic the majority creates never reaches it, though a client still reaches it
            try (Admin admin = adminOf(cluster, majority)) {
                admin.createTopics(List.of(new NewTopic("while-cut", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
            }
            Thread.sleep(3_000);
            assertThat(topicsSeenBy(cluster, isolated)).as("node " + isolated + " answers a client").isNotNull()
                    .doesNotContain("while-cut");

            // When
            cluster.network().healAll();

            // Then
            cluster.awaitBrokers(cluster.nodeIds(), Duration.ofSeconds(60));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!topicsSeenBy(cluster, isolated).contains("while-cut") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(topicsSeenBy(cluster, isolated)).contains("while-cut");
        }
    }

    @Test
    void shouldTellNodeConnectionsFromClientConnections() throws Exception {
        try (ProxiedProcessCluster cluster = ProxiedProcessCluster.start(1, Map.of())) {
            // When: this JVM (a client) connects through a proxy
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1",
                    Integer.parseInt(cluster.bootstrapServers(1).split(":")[1]))) {
                // Then: its connection is owned by no node
                assertThat(NetworkPartitioner.nodeOwningPeerPort(socket.getLocalPort(), socket.getPort()))
                        .isEqualTo(LinkProxy.CLIENT);
            }
            // And: the node's own metadata client, which reaches its Raft server through the proxy, is attributed to
            // node 1, and the harness's admin clients to no node
            assertThat(cluster.network().sourcesSeenBy(1)).containsExactlyInAnyOrder(1, LinkProxy.CLIENT);
        }
    }

    private static void awaitBrokersSeenBy(ProxiedProcessCluster cluster, int node, Set<Integer> expected,
                                           Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<Integer> seen = Set.of();
        while (System.nanoTime() < deadline) {
            try {
                seen = new TreeSet<>();
                for (MetadataResponseData.MetadataResponseBroker broker : metadataOf(cluster, node).brokers()) {
                    seen.add(broker.nodeId());
                }
                if (seen.equals(expected)) {
                    return;
                }
            } catch (java.io.IOException e) {
                // retry
            }
            Thread.sleep(500);
        }
        StringBuilder logs = new StringBuilder();
        cluster.nodeIds().forEach(n -> logs.append(cluster.logTail(n)));
        throw new AssertionError("node " + node + " lists brokers " + seen + ", wanted " + expected + "\n" + logs);
    }

    private static Set<String> topicsSeenBy(ProxiedProcessCluster cluster, int node) throws Exception {
        Set<String> topics = new TreeSet<>();
        metadataOf(cluster, node).topics().forEach(topic -> topics.add(topic.name()));
        return topics;
    }

    /**
     * The node's own Metadata answer (all topics), asked over one raw connection: an Admin client would follow
     * the brokers that answer lists and might ask another node instead.
     */
    private static MetadataResponseData metadataOf(ProxiedProcessCluster cluster, int node) throws java.io.IOException {
        String[] address = cluster.bootstrapServers(node).split(":");
        short version = 12;
        try (java.net.Socket socket = new java.net.Socket(address[0], Integer.parseInt(address[1]))) {
            socket.setSoTimeout(10_000);
            RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.METADATA.id)
                    .setRequestApiVersion(version).setCorrelationId(1).setClientId("partition-test");
            MetadataRequestData request = new MetadataRequestData().setTopics(null);
            ObjectSerializationCache cache = new ObjectSerializationCache();
            short headerVersion = ApiKeys.METADATA.requestHeaderVersion(version);
            int size = header.size(cache, headerVersion) + request.size(cache, version);
            ByteBuffer frame = ByteBuffer.allocate(4 + size).putInt(size);
            ByteBufferAccessor writer = new ByteBufferAccessor(frame);
            header.write(writer, cache, headerVersion);
            request.write(writer, cache, version);
            socket.getOutputStream().write(frame.array());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            ByteBufferAccessor reader = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
            new ResponseHeaderData(reader, ApiKeys.METADATA.responseHeaderVersion(version));
            return new MetadataResponseData(reader, version);
        }
    }

    private static Admin adminOf(ProxiedProcessCluster cluster, int node) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(node));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }
}
