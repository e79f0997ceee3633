package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.tools.ChildJvm;
import io.dlog.kafka.config.KraftBootstrapSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's isolated mode, configured with Kafka's names: three controller-only nodes ({@code process.roles=controller},
 * a CONTROLLER listener only) and three broker-only nodes, each a child JVM started by {@code dlog start}. Clients see
 * the three brokers, the quorum tool the three voters; acks=all writes go on, and none is lost, across kill -9 of the
 * partition's leader (a broker) and then of the metadata group's leader (a controller), and both restarts.
 */
class IsolatedControllersTest {
    private static final String CLI = "io.dlog.broker.cli.DLogCli";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg";

    @TempDir
    Path dir;

    private final Map<Integer, ChildJvm.Child> nodes = new TreeMap<>();
    private final Map<Integer, Integer> ports = new TreeMap<>();

    @AfterEach
    void stopNodes() {
        nodes.values().forEach(ChildJvm.Child::kill);
        nodes.values().forEach(ChildJvm::deleteOutput);
    }

    @Test
    void shouldServeAndFailOverWithControllersApartFromBrokers() throws Exception {
        // Given: controllers 1-3, brokers 4-6
        freePorts();
        String voters = "1@127.0.0.1:" + ports.get(1) + ",2@127.0.0.1:" + ports.get(2) + ",3@127.0.0.1:" + ports.get(3);
        for (int id = 1; id <= 6; id++) {
            launch(id, voters);
        }
        String bootstrap = awaitBrokersListening();
        List<String> acked = new ArrayList<>();
        try (Admin admin = admin(bootstrap)) {
            awaitBrokers(admin);
            assertThat(admin.describeCluster().controller().get().id()).isIn(4, 5, 6); // a broker clients can reach
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
            // dlog status names the quorum's leader, a controller, not the broker clients are given as controller
            ChildJvm.Result status = ChildJvm.run(TIMEOUT, CLI, "status", "--bootstrap-server", bootstrap);
            assertThat(status.exitCode()).as("%s", status).isZero();
            assertThat(status.stdout()).containsPattern("metadata leader: +node [123]\\b").contains("live nodes:          3");
            ChildJvm.Result ofController = ChildJvm.run(TIMEOUT, CLI, "status", "--config",
                    dir.resolve("node-1").resolve("server.properties").toString());
            assertThat(ofController.exitCode()).as("%s", ofController).isEqualTo(2);
            assertThat(ofController.stderr()).contains("controller-only node");
            ChildJvm.Result viaBroker = ChildJvm.run(TIMEOUT, CLI, "status", "--bootstrap-server", bootstrap, "--config",
                    dir.resolve("node-1").resolve("server.properties").toString());
            assertThat(viaBroker.exitCode()).as("%s", viaBroker).isZero();
            assertThat(viaBroker.stdout()).contains("live nodes:          3");
            ChildJvm.Result health = ChildJvm.run(TIMEOUT, CLI, "status", "--health", "--config",
                    dir.resolve("node-1").resolve("server.properties").toString());
            assertThat(health.exitCode()).as("%s", health).isZero();
            assertThat(health.stdout()).containsPattern("controller 1 is (the metadata leader|a follower of metadata leader node [23]) "
                    + "\\(127\\.0\\.0\\.1:" + ports.get(1) + "\\)");
            admin.createTopics(List.of(new NewTopic("iso", 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
            BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3);

            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                send(producer, 0, 200, acked);

                // When: kill -9 of the partition's leader, a broker
                int leader = BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3).leader().id();
                nodes.get(leader).kill();
                send(producer, 200, 400, acked);
                assertThat(BrokerOnlyNodeTest.awaitIsr(admin, "iso", 2).leader().id()).isNotEqualTo(leader);

                // And: kill -9 of the metadata group's leader, a controller
                int metadataLeader = admin.describeMetadataQuorum().quorumInfo().get().leaderId();
                assertThat(metadataLeader).isIn(1, 2, 3);
                nodes.get(metadataLeader).kill();
                ChildJvm.Result down = ChildJvm.run(TIMEOUT, CLI, "status", "--health", "--timeout", "2", "--config",
                        dir.resolve("node-" + metadataLeader).resolve("server.properties").toString());
                assertThat(down.exitCode()).as("%s", down).isEqualTo(1);
                send(producer, 400, 600, acked);

                // Then: the remaining two controllers still commit metadata changes
                admin.createTopics(List.of(new NewTopic("after", 1, (short) 2))).all().get();
                assertThat(admin.describeMetadataQuorum().quorumInfo().get().leaderId()).isIn(1, 2, 3);

                // And: both come back from their folders; the broker catches up and rejoins the ISR
                relaunch(metadataLeader, voters);
                relaunch(leader, voters);
                awaitListening(leader);
                BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3);
                send(producer, 600, 700, acked);
            }
        }
        assertThat(PartitionReader.readToEnd(bootstrap, "iso")).containsExactlyElementsOf(acked);
    }

    /**
     * Kafka 4's own files for isolated mode: every node lists the controllers in
     * {@code controller.quorum.bootstrap.servers} and none lists {@code controller.quorum.voters}; the controllers'
     * folders are formatted with the initial voters, the brokers' with the cluster id only (as {@code kafka-storage
     * format -t ID -c broker.properties}). The brokers start first and ask the controllers for the voters once they
     * answer; a broker restarted while the first controller it lists is down learns them from the next.
     */
    @Test
    void shouldRunBrokersThatKnowTheControllersByTheirAddressesOnly() throws Exception {
        // Given: brokers 4-6 started before controllers 1-3, all configured with bootstrap servers only
        freePorts();
        String controllers = "127.0.0.1:" + ports.get(1) + ",127.0.0.1:" + ports.get(2) + ",127.0.0.1:" + ports.get(3);
        String initial = "1@127.0.0.1:" + ports.get(1) + ":" + KraftBootstrapSnapshot.newDirectoryId() + ",2@127.0.0.1:"
                + ports.get(2) + ":" + KraftBootstrapSnapshot.newDirectoryId() + ",3@127.0.0.1:" + ports.get(3) + ":"
                + KraftBootstrapSnapshot.newDirectoryId();
        String quorum = "controller.quorum.bootstrap.servers=" + controllers;
        for (int id = 6; id >= 1; id--) {
            Path config = writeConfig(id, quorum);
            List<String> format = new ArrayList<>(List.of("format", "--cluster-id", CLUSTER_ID, "--config", config.toString()));
            if (id <= 3) {
                format.addAll(List.of("--initial-controllers", initial));
            }
            ChildJvm.Result formatted = ChildJvm.run(TIMEOUT, CLI, format.toArray(String[]::new));
            assertThat(formatted.exitCode()).as("dlog format of node %d: %s", id, formatted).isZero();
            nodes.put(id, ChildJvm.start(List.of(), CLI, "start", "--config", config.toString()));
        }
        String bootstrap = awaitBrokersListening();
        List<String> acked = new ArrayList<>();
        try (Admin admin = admin(bootstrap)) {
            awaitBrokers(admin);
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(CLUSTER_ID);
            QuorumInfo info = admin.describeMetadataQuorum().quorumInfo().get();
            assertThat(info.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactlyInAnyOrder(1, 2, 3);
            admin.createTopics(List.of(new NewTopic("iso", 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
            BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3);
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                send(producer, 0, 200, acked);

                // When: controller 1, first in every broker's list, is killed, and a broker restarted meanwhile
                nodes.get(1).kill();
                TopicPartitionInfo partition = BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3);
                int follower = partition.replicas().stream().map(Node::id).filter(id -> id != partition.leader().id())
                        .findFirst().orElseThrow();
                nodes.get(follower).kill();
                send(producer, 200, 400, acked);
                ChildJvm.deleteOutput(nodes.remove(follower));
                nodes.put(follower, ChildJvm.start(List.of(), CLI, "start", "--config",
                        dir.resolve("node-" + follower).resolve("server.properties").toString()));

                // Then: it learns the voters from controller 2 or 3, rejoins the ISR, and writes go on
                awaitListening(follower);
                BrokerOnlyNodeTest.awaitIsr(admin, "iso", 3);
                send(producer, 400, 500, acked);
            }
        }
        assertThat(PartitionReader.readToEnd(bootstrap, "iso")).containsExactlyElementsOf(acked);
    }

    /**
     * A controller whose metadata log cannot be written (its folder full) ends its process with exit code 1, saying
     * why, as Kafka's controller halts on a fatal fault; the other two go on committing. Before, Ratis closed its
     * replica and the process went on, fencing as if it still led, until someone noticed. Its folder is a small tmpfs
     * of its own in a user and mount namespace ({@code unshare -rm}); skipped where the machine does not allow that.
     */
    @Test
    void shouldStopAControllerWhoseMetadataLogMeetsAFullFolder() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(DataFolderFullTest.canMountTmpfs(),
                "unshare -rm with a tmpfs mount is not allowed here");
        // Given: controller 3's folder a 16 MB tmpfs, filled from outside once the cluster runs
        freePorts();
        String voters = "1@127.0.0.1:" + ports.get(1) + ",2@127.0.0.1:" + ports.get(2) + ",3@127.0.0.1:" + ports.get(3);
        for (int id = 1; id <= 6; id++) {
            if (id == 3) {
                Path config = writeConfig(3, "controller.quorum.voters=" + voters);
                Path data = Files.createDirectories(dir.resolve("node-3").resolve("data"));
                nodes.put(3, ChildJvm.startWithin(List.of("unshare", "-rm", "sh", "-c",
                        "mount -t tmpfs -o size=16m tmpfs \"$0\" && exec \"$@\"", data.toString()), List.of(), CLI,
                        "start", "--config", config.toString()));
            } else {
                launch(id, voters);
            }
        }
        String bootstrap = awaitBrokersListening();
        awaitListening(3);
        try (Admin admin = admin(bootstrap)) {
            awaitBrokers(admin);
            admin.createTopics(List.of(new NewTopic("iso", 1, (short) 3))).all().get();
            Path inside = Path.of("/proc/" + nodes.get(3).process().pid() + "/root"
                    + dir.resolve("node-3").resolve("data"));
            Process fill = new ProcessBuilder("dd", "if=/dev/zero", "of=" + inside.resolve("filler"), "bs=1M", "count=17")
                    .redirectErrorStream(true).start();
            fill.getInputStream().readAllBytes();
            assertThat(fill.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(fill.exitValue()).as("dd stops at a full disk").isNotZero();

            // When: metadata entries of a few KB each reach its log
            org.apache.kafka.common.config.ConfigResource topic = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "iso");
            String replicas = java.util.stream.IntStream.range(1, 400).mapToObj(p -> p + ":4")
                    .collect(java.util.stream.Collectors.joining(","));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            for (int i = 0; nodes.get(3).process().isAlive() && System.nanoTime() - deadline < 0; i++) {
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new org.apache.kafka.clients.admin.ConfigEntry("leader.replication.throttled.replicas",
                                "0:" + (4 + i % 3) + "," + replicas),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
            }

            // Then: it stopped by itself, saying why, and the other two commit on
            ChildJvm.Child stopped = nodes.get(3);
            assertThat(stopped.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("controller 3 stopped")
                    .isTrue();
            assertThat(stopped.process().exitValue()).as("%s", stopped.stderrText()).isEqualTo(1);
            assertThat(stopped.stderrText()).contains("Stopping controller 3: its metadata log in")
                    .contains("cannot be written");
            admin.createTopics(List.of(new NewTopic("after", 1, (short) 3))).all().get();
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                producer.send(new ProducerRecord<>("after", "a")).get();
            }
            assertThat(PartitionReader.readToEnd(bootstrap, "after")).containsExactly("a");
        }
    }

    /** Waits for brokers 4-6 to listen; their addresses, as clients bootstrap from them. */
    private String awaitBrokersListening() throws InterruptedException {
        for (int id = 4; id <= 6; id++) {
            awaitListening(id);
        }
        return "127.0.0.1:" + ports.get(4) + ",127.0.0.1:" + ports.get(5) + ",127.0.0.1:" + ports.get(6);
    }

    private void freePorts() throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int id = 1; id <= 6; id++) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(socket);
                ports.put(id, socket.getLocalPort());
            }
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    private void relaunch(int id, String voters) throws IOException {
        ChildJvm.deleteOutput(nodes.remove(id));
        launch(id, voters);
    }

    private void launch(int id, String voters) throws IOException {
        Path config = writeConfig(id, "controller.quorum.voters=" + voters);
        nodes.put(id, ChildJvm.start(List.of(), CLI, "start", "--config", config.toString()));
    }

    /** Node {@code id}'s server.properties, controllers 1-3 and brokers 4-6, with {@code quorum} naming the voters. */
    private Path writeConfig(int id, String quorum) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve("node-" + id));
        List<String> lines = new ArrayList<>(List.of("node.id=" + id, quorum,
                "controller.listener.names=CONTROLLER", "log.dirs=" + nodeDir.resolve("data")));
        if (id <= 3) {
            lines.addAll(List.of("process.roles=controller", "listeners=CONTROLLER://127.0.0.1:" + ports.get(id)));
        } else {
            lines.addAll(List.of("process.roles=broker", "listeners=PLAINTEXT://127.0.0.1:" + ports.get(id),
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT", "default.replication.factor=3",
                    "offsets.topic.replication.factor=3"));
        }
        Path config = nodeDir.resolve("server.properties");
        Files.write(config, lines);
        return config;
    }

    private void awaitListening(int id) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            ChildJvm.Child node = nodes.get(id);
            assertThat(node.process().isAlive()).as("node %d alive\n%s", id, node.stdoutText() + node.stderrText()).isTrue();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", ports.get(id)), 500);
                return;
            } catch (IOException notYet) {
                assertThat(System.nanoTime() - deadline).as("node %d listening", id).isNegative();
                Thread.sleep(100);
            }
        }
    }

    private static void send(KafkaProducer<String, String> producer, int from, int to, List<String> acked) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            sent.add(producer.send(new ProducerRecord<>("iso", "v-" + i)));
        }
        for (int i = 0; i < sent.size(); i++) {
            sent.get(i).get();
            acked.add("v-" + (from + i));
        }
    }

    private static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static void awaitBrokers(Admin admin) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (admin.describeCluster().nodes().get().size() != 3) {
            assertThat(System.nanoTime() - deadline).as("three brokers").isNegative();
            Thread.sleep(100);
        }
        assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).containsExactlyInAnyOrder(4, 5, 6);
    }
}
