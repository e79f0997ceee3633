package io.dlog.broker.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * What {@code dlog status} reports, read over the Kafka protocol with an {@link Admin} client, as any Kafka
 * tool would: the cluster id (DescribeCluster), the metadata leader (DescribeQuorum), each live node's partitions led and
 * under-replicated (DescribeTopics), its data folder's size and free space (DescribeLogDirs), and each
 * consumer group's lag (ListGroups, ListConsumerGroupOffsets, ListOffsets). Immutable once read.
 */
record ClusterStatus(String clusterId, int metadataLeaderId, List<NodeStatus> nodes, int offlinePartitions,
                     Map<String, Long> groupLag) {

    /** One live node: where clients reach it, what it leads, and its disk. Sizes are -1 when unknown. */
    record NodeStatus(int id, String address, int partitionsLed, int underReplicated, String logDir,
                      long logBytes, long usableBytes, long totalBytes) {
    }

    /** Only the cluster id, the live nodes (DescribeCluster) and the metadata leader: the cheap health question. */
    static ClusterStatus readLive(Admin admin, long timeoutMs) throws ExecutionException, InterruptedException, TimeoutException {
        DescribeClusterResult cluster = admin.describeCluster();
        String clusterId = get(cluster.clusterId(), timeoutMs);
        List<NodeStatus> nodes = get(cluster.nodes(), timeoutMs).stream().sorted((a, b) -> Integer.compare(a.id(), b.id()))
                .map(node -> new NodeStatus(node.id(), node.host() + ":" + node.port(), -1, -1, "?", -1, -1, -1)).toList();
        return new ClusterStatus(clusterId, metadataLeaderId(admin, timeoutMs), nodes, -1, Map.of());
    }

    /**
     * The metadata group's leader, from DescribeQuorum; -1 when there is none. Not DescribeCluster's controller: with
     * controllers apart from brokers (process.roles=controller) that names a broker clients can reach instead.
     */
    private static int metadataLeaderId(Admin admin, long timeoutMs)
            throws ExecutionException, InterruptedException, TimeoutException {
        int leader = get(admin.describeMetadataQuorum().quorumInfo(), timeoutMs).leaderId();
        return leader < 0 ? -1 : leader;
    }

    /** Reads the status, waiting at most {@code timeoutMs} for each step. */
    static ClusterStatus read(Admin admin, long timeoutMs) throws ExecutionException, InterruptedException, TimeoutException {
        DescribeClusterResult cluster = admin.describeCluster();
        String clusterId = get(cluster.clusterId(), timeoutMs);
        Collection<Node> live = get(cluster.nodes(), timeoutMs);
        Collection<String> topics = get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names(), timeoutMs);
        Map<String, TopicDescription> described = get(admin.describeTopics(topics).allTopicNames(), timeoutMs);
        Map<Integer, int[]> led = new HashMap<>();
        int offline = 0;
        for (TopicDescription topic : described.values()) {
            for (TopicPartitionInfo partition : topic.partitions()) {
                if (partition.leader() == null || partition.leader().isEmpty()) {
                    offline++;
                    continue;
                }
                int[] counts = led.computeIfAbsent(partition.leader().id(), id -> new int[2]);
                counts[0]++;
                if (partition.isr().size() < partition.replicas().size()) {
                    counts[1]++;
                }
            }
        }
        List<Integer> ids = live.stream().map(Node::id).sorted().toList();
        Map<Integer, Map<String, LogDirDescription>> dirs = get(admin.describeLogDirs(ids).allDescriptions(), timeoutMs);
        List<NodeStatus> nodes = new ArrayList<>();
        for (Node node : live.stream().sorted((a, b) -> Integer.compare(a.id(), b.id())).toList()) {
            int[] counts = led.getOrDefault(node.id(), new int[2]);
            Map<String, LogDirDescription> nodeDirs = dirs.getOrDefault(node.id(), Map.of());
            String logDir = nodeDirs.isEmpty() ? "?" : String.join(",", new TreeMap<>(nodeDirs).keySet());
            long logBytes = 0;
            long usable = -1;
            long total = -1;
            for (LogDirDescription dir : nodeDirs.values()) {
                for (ReplicaInfo replica : dir.replicaInfos().values()) {
                    logBytes += replica.size();
                }
                usable = dir.usableBytes().orElse(-1L);
                total = dir.totalBytes().orElse(-1L);
            }
            nodes.add(new NodeStatus(node.id(), node.host() + ":" + node.port(), counts[0], counts[1], logDir,
                    nodeDirs.isEmpty() ? -1 : logBytes, usable, total));
        }
        return new ClusterStatus(clusterId, metadataLeaderId(admin, timeoutMs), nodes, offline, groupLag(admin, timeoutMs));
    }

    /** Each consumer group's total lag: log end offset minus committed offset, summed over its partitions. */
    private static Map<String, Long> groupLag(Admin admin, long timeoutMs) throws ExecutionException, InterruptedException, TimeoutException {
        Map<String, Long> lag = new TreeMap<>();
        for (GroupListing group : get(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), timeoutMs)) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    get(admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata(), timeoutMs);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null) {
                    latest.put(partition, OffsetSpec.latest());
                }
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : get(admin.listOffsets(latest).all(), timeoutMs);
            long total = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                total += Math.max(0, end.getValue().offset() - committed.get(end.getKey()).offset());
            }
            lag.put(group.groupId(), total);
        }
        return lag;
    }

    private static <T> T get(KafkaFuture<T> future, long timeoutMs) throws ExecutionException, InterruptedException, TimeoutException {
        return future.get(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The live node with this id, if it is one. */
    OptionalInt indexOf(int nodeId) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).id() == nodeId) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** The report: the cluster, a line per live node (this node marked *), then consumer lag per group. */
    void print(PrintWriter out, int localNodeId) {
        out.println("cluster id:          " + clusterId);
        out.println("metadata leader:     " + (metadataLeaderId < 0 ? "none" : "node " + metadataLeaderId));
        out.println("live nodes:          " + nodes.size());
        out.println("offline partitions:  " + offlinePartitions);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NODE", "ADDRESS", "LEADS", "UNDER-REPLICATED", "LOG SIZE", "DISK FREE", "DATA FOLDER"});
        for (NodeStatus node : nodes) {
            rows.add(new String[] {node.id() + (node.id() == localNodeId ? "*" : ""), node.address(),
                    Integer.toString(node.partitionsLed()), Integer.toString(node.underReplicated()), bytes(node.logBytes()),
                    node.usableBytes() < 0 ? "?" : bytes(node.usableBytes()) + " of " + bytes(node.totalBytes()), node.logDir()});
        }
        printTable(out, rows);
        if (groupLag.isEmpty()) {
            out.println("consumer groups:     none");
        } else {
            List<String[]> lagRows = new ArrayList<>();
            lagRows.add(new String[] {"GROUP", "LAG"});
            groupLag.forEach((group, lag) -> lagRows.add(new String[] {group, Long.toString(lag)}));
            printTable(out, lagRows);
        }
        out.flush();
    }

    private static void printTable(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]).append(i == row.length - 1 ? "" : " ".repeat(widths[i] - row[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** Bytes as a person reads them: 512 B, 1.5 KiB, 20.0 GiB; "?" when unknown. */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
