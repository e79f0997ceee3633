package io.dlog.testcontainers;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A DLog node in a container, shaped like Testcontainers' {@code KafkaContainer}: construct it with the DLog
 * image, start it, and give Kafka clients {@link #getBootstrapServers()}.
 *
 * <pre>{@code
 * try (DLogContainer dlog = new DLogContainer("dlog:latest")) {
 *     dlog.start();
 *     producerProps.put("bootstrap.servers", dlog.getBootstrapServers());
 * }
 * }</pre>
 *
 * <p>Three listeners, as KafkaContainer has: PLAINTEXT on {@value #KAFKA_PORT} for clients on the host
 * (advertised as the mapped port), BROKER on {@value #BROKER_PORT} for the other nodes and for containers on the
 * same network (advertised under the container's network alias or hostname), and, in a cluster, CONTROLLER on
 * {@value #CONTROLLER_PORT} for the metadata quorum. The node is configured only through the image's
 * {@code KAFKA_*} environment variables (docs/operations.md), so {@code withEnv("KAFKA_NUM_PARTITIONS", "3")}
 * sets any other broker config. The advertised address is known only once the container exists, so the container
 * waits for a start script that {@link #containerIsStarting} copies in (KafkaContainer's approach).
 */
public class DLogContainer extends GenericContainer<DLogContainer> {
    /** The client listener, published on a random host port. */
    public static final int KAFKA_PORT = 9092;
    /** The listener other nodes and containers on the container's network use. */
    public static final int BROKER_PORT = 9093;
    /** The metadata quorum's listener (cluster nodes only). */
    public static final int CONTROLLER_PORT = 9094;
    /** The image's own config file; the variables override it key by key. */
    static final String CONFIG_FILE = "/etc/dlog/server.properties";
    private static final String START_SCRIPT = "/tmp/dlog-start.sh";
    private static final String START_SCRIPT_READY = "/tmp/dlog-start.ready";
    /** What {@code dlog start} prints once it serves: after it joined its cluster's metadata quorum. */
    private static final String SERVING_LOG = ".*DLog is serving Kafka clients on .*";

    private String brokerHost;

    public DLogContainer(String image) {
        this(DockerImageName.parse(image));
    }

    public DLogContainer(DockerImageName image) {
        super(image);
        init();
    }

    /** An image still being built or pulled, such as Testcontainers' {@code ImageFromDockerfile}. */
    public DLogContainer(Future<String> image) {
        super(image);
        init();
    }

    private void init() {
        withExposedPorts(KAFKA_PORT);
        withEnv(singleNodeEnv());
        // The image's entrypoint is dlog itself; the shell waits for the start script that names the mapped port.
        withCreateContainerCmdModifier(create -> create.withEntrypoint("sh"));
        withCommand("-c", "while [ ! -f " + START_SCRIPT_READY + " ]; do sleep 0.1; done; exec sh " + START_SCRIPT);
        waitingFor(Wait.forLogMessage(SERVING_LOG, 1).withStartupTimeout(Duration.ofMinutes(3)));
    }

    /** A single node, as KafkaContainer's: its internal topics need only this one replica, rebalances start at once. */
    static Map<String, String> singleNodeEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_NODE_ID", "1");
        env.put("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:" + KAFKA_PORT + ",BROKER://0.0.0.0:" + BROKER_PORT);
        env.put("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT");
        env.put("KAFKA_INTER_BROKER_LISTENER_NAME", "BROKER");
        env.put("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER");
        env.put("KAFKA_LOG_DIRS", "/var/lib/dlog/data");
        env.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
        env.put("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1");
        env.put("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "1");
        env.put("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        return env;
    }

    /**
     * Makes this container node {@code nodeId} of a cluster whose voters are {@code quorumVoters}
     * ({@code id@alias:9094,...}), reached by the others at {@code networkAlias}; {@link DLogCluster} calls it.
     */
    DLogContainer asClusterNode(int nodeId, String networkAlias, String quorumVoters, int replicationFactor) {
        this.brokerHost = networkAlias;
        String replicas = Integer.toString(replicationFactor);
        return withNetworkAliases(networkAlias)
                .withEnv("KAFKA_NODE_ID", Integer.toString(nodeId))
                .withEnv("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:" + KAFKA_PORT + ",BROKER://0.0.0.0:" + BROKER_PORT
                        + ",CONTROLLER://0.0.0.0:" + CONTROLLER_PORT)
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", quorumVoters)
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", replicas)
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", replicas)
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", replicas);
    }

    @Override
    protected void containerIsStarting(InspectContainerResponse containerInfo) {
        String host = brokerHost != null ? brokerHost : containerInfo.getConfig().getHostName();
        copyFileToContainer(Transferable.of(startScript(getBootstrapServers(), host), 0755), START_SCRIPT);
        // A separate marker, written after the script is whole, so that the shell never runs half a script.
        copyFileToContainer(Transferable.of(""), START_SCRIPT_READY);
    }

    /**
     * The script the container runs: the advertised listeners (clients on the host reach PLAINTEXT at the mapped
     * port, other containers reach BROKER at {@code brokerHost}), then the image's own start command.
     */
    static String startScript(String bootstrapServers, String brokerHost) {
        List<String> advertised = new ArrayList<>();
        advertised.add("PLAINTEXT://" + bootstrapServers);
        advertised.add("BROKER://" + brokerHost + ":" + BROKER_PORT);
        return "#!/bin/sh\n"
                + "export KAFKA_ADVERTISED_LISTENERS='" + String.join(",", advertised) + "'\n"
                + "exec dlog start --config " + CONFIG_FILE + " --env-config\n";
    }

    /** {@code host:port} for Kafka clients on the machine running the test. */
    public String getBootstrapServers() {
        return getHost() + ":" + getMappedPort(KAFKA_PORT);
    }

    /** {@code alias:9093} for clients in other containers on this container's network (with a network alias). */
    public String getNetworkBootstrapServers() {
        List<String> aliases = getNetworkAliases();
        String host = brokerHost != null ? brokerHost : aliases.isEmpty() ? getContainerInfo().getConfig().getHostName()
                : aliases.get(aliases.size() - 1);
        return host + ":" + BROKER_PORT;
    }
}
