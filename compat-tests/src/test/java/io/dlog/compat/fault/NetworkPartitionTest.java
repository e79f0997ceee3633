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
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The partition fault's mechanics on their own: a node cut off by the link proxies can neither reach its peers
 * (the others fence it: its heartbeats no longer arrive) nor be reached by them (it does not learn a topic the
 * majority creates), while a client still reaches it; healing the network brings it back. And what DLog does
 * about it: the cut-off node stops answering as leader of its replicated partitions before the others can
 * elect a new leader (its lease lapses with its broker session), so no client reads from a stale leader.
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
            // And: a replicated partition the node to cut off leads
            List<Integer> others = cluster.nodeIds().stream().filter(n -> n != isolated).toList();
            try (Admin admin = adminOf(cluster, majority)) {
                admin.createTopics(List.of(new NewTopic(LED, Map.of(0, List.of(isolated, others.get(0), others.get(1))))))
                        .all().get(60, TimeUnit.SECONDS);
            }
            awaitLeaderSeenBy(cluster, isolated, List.of(isolated), Duration.ofSeconds(60));
            assertThat(listOffsetsErrorAt(cluster, isolated)).isEqualTo(Errors.NONE);

            // When
            cluster.network().isolate(isolated);

            // Then: links between nodes are cut both ways, links from clients are not
            assertThat(cluster.network().isCut(isolated, majority)).isTrue();
            assertThat(cluster.network().isCut(majority, isolated)).isTrue();
            assertThat(cluster.network().isCut(LinkProxy.CLIENT, isolated)).isFalse();
            assertThat(cluster.network().blackholedConnections()).as("node-to-node connections cut").isPositive();

            // Then: outbound cut: the majority stops hearing its heartbeats and fences it (Metadata lists live brokers)
            awaitBrokersSeenBy(cluster, majority, new TreeSet<>(others), Duration.ofSeconds(45));

            // Then: once the majority has made another replica leader, the cut-off node no longer answers as the
            // leader (it cannot know of the new epoch: its lease lapsed before it could have been fenced)
            awaitLeaderSeenBy(cluster, majority, others, Duration.ofSeconds(60));
            assertThat(leaderSeenBy(cluster, isolated)).as("the cut-off node's own, stale, view").isEqualTo(isolated);
            assertThat(listOffsetsErrorAt(cluster, isolated)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);

            // Then: inbound cut: a topic the majority creates never reaches it, though a client still reaches it
            try (Admin admin = adminOf(cluster, majority)) {
                admin.createTopics(List.of(new NewTopic("while-cut", 1, (short) 2))).all().get(30, TimeUnit.SECONDS);
            }
            Thread.sleep(3_000);
            assertThat(topicsSeenBy(cluster, isolated)).as("node " + isolated + " answers a client").isNotNull()
                    .doesNotContain("while-cut");

            // When
            cluster.network().healAll();
            long healed = System.nanoTime();

            // Then
            cluster.awaitBrokers(cluster.nodeIds(), Duration.ofSeconds(60));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!topicsSeenBy(cluster, isolated).contains("while-cut") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(topicsSeenBy(cluster, isolated)).contains("while-cut");
            // And: it follows the new leader (whose log has every acknowledged write)
            awaitLeaderSeenBy(cluster, isolated, others, Duration.ofSeconds(60));
            System.out.printf("node %d saw the new leader %d ms after the network healed%n", isolated,
                    (System.nanoTime() - healed) / 1_000_000);
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
            // node 1, and the harness's admin clients to no node. The node may open that connection after the cluster
            // has started (a loaded machine once had only client connections 5 s in), so wait for it a while.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!cluster.network().sourcesSeenBy(1).contains(1) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(cluster.network().sourcesSeenBy(1)).containsExactlyInAnyOrder(1, LinkProxy.CLIENT);
        }
    }

    private static final String LED = "led-by-the-cut-off-node";

    /** Waits until {@code node} names one of {@code wanted} as the leader of {@link #LED}'s partition 0. */
    private static void awaitLeaderSeenBy(ProxiedProcessCluster cluster, int node, List<Integer> wanted, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        while (System.nanoTime() < deadline) {
            seen = leaderSeenBy(cluster, node);
            if (wanted.contains(seen)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("node " + node + " sees leader " + seen + " of " + LED + "-0, wanted one of " + wanted);
    }

    private static int leaderSeenBy(ProxiedProcessCluster cluster, int node) throws Exception {
        return metadataOf(cluster, node).topics().stream().filter(t -> LED.equals(t.name()))
                .flatMap(t -> t.partitions().stream()).filter(p -> p.partitionIndex() == 0)
                .mapToInt(MetadataResponseData.MetadataResponsePartition::leaderId).findFirst().orElse(-1);
    }

    /** The error {@code node} answers a ListOffsets (latest) of {@link #LED}'s partition 0 with, asked directly. */
    private static Errors listOffsetsErrorAt(ProxiedProcessCluster cluster, int node) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                new ListOffsetsRequestData.ListOffsetsTopic().setName(LED).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1L)))));
        ListOffsetsResponseData response = (ListOffsetsResponseData) ask(cluster, node, ApiKeys.LIST_OFFSETS, (short) 7,
                request, reader -> new ListOffsetsResponseData(reader, (short) 7));
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
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
        short version = 12;
        return (MetadataResponseData) ask(cluster, node, ApiKeys.METADATA, version, new MetadataRequestData().setTopics(null),
                reader -> new MetadataResponseData(reader, version));
    }

    /** One request to {@code node} itself over a raw connection, and its response. */
    private static ApiMessage ask(ProxiedProcessCluster cluster, int node, ApiKeys api, short version, ApiMessage request,
                                  java.util.function.Function<Readable, ApiMessage> response) throws java.io.IOException {
        String[] address = cluster.bootstrapServers(node).split(":");
        try (java.net.Socket socket = new java.net.Socket(address[0], Integer.parseInt(address[1]))) {
            socket.setSoTimeout(10_000);
            RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id)
                    .setRequestApiVersion(version).setCorrelationId(1).setClientId("partition-test");
            ObjectSerializationCache cache = new ObjectSerializationCache();
            short headerVersion = api.requestHeaderVersion(version);
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
            new ResponseHeaderData(reader, api.responseHeaderVersion(version));
            return response.apply(reader);
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
