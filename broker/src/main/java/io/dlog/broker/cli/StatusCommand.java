package io.dlog.broker.cli;

import io.dlog.cluster.MetadataQuorum;
import io.dlog.cluster.VoterHealth;
import io.dlog.kafka.config.BrokerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dlog status}: asks a running node, over the Kafka protocol, for the state of its cluster
 * ({@link ClusterStatus}). Without {@code --bootstrap-server} it reaches the node the config options describe
 * (its client listener, on 127.0.0.1 when it listens on every address) and exits 1 unless that node is a live
 * member of its cluster: the container image's health check.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a running node's cluster: id, metadata leader, partitions each node leads, under-replicated "
                + "partitions, disk use, consumer group lag. Exit 1 when the node does not answer or is not live.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = {"-b", "--bootstrap-server"}, paramLabel = "HOST:PORT",
            description = "A node's Kafka listener. Default: the client listener of the node that the config options describe.")
    String bootstrapServer;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait for each answer. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(names = "--health",
            description = "Only check that the node is a live member of its cluster (one line; the container's health check).")
    boolean health;

    @CommandLine.Mixin
    NodeConfigOptions options = new NodeConfigOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String bootstrap = bootstrapServer;
        int localNodeId = -1;
        try {
            if (bootstrap == null || options.configFile != null || options.envConfig) {
                BrokerConfig config = NodeConfigOptions.parse(options.node());
                if (config.isControllerOnly()) {
                    // A controller answers no Kafka client: its health check is that its metadata replica listens,
                    // and the cluster's status comes from a broker (it is no live broker to mark in that report).
                    if (health) {
                        return controllerHealth(config, out);
                    }
                    if (bootstrap == null) {
                        return fail(2, "node " + config.nodeId() + " is a controller-only node (process.roles=controller) "
                                + "with no client listener: give --bootstrap-server a broker's listener");
                    }
                } else {
                    localNodeId = config.nodeId();
                    if (bootstrap == null) {
                        bootstrap = localAddress(config.listener());
                    }
                }
            }
        } catch (IOException | ConfigException e) {
            return fail(2, e.getMessage());
        }
        if (timeoutSeconds < 1) {
            return fail(2, "--timeout must be at least 1 second");
        }
        if (health && localNodeId < 0) {
            return fail(2, "--health checks the node the config options describe: give --config or --env-config");
        }
        ClusterStatus status;
        // The client's own retries would print a warning per attempt; this command says it once, below.
        ClientLogs.quiet();
        try (Admin admin = Admin.create(adminProps(bootstrap))) {
            status = health ? ClusterStatus.readLive(admin, timeoutSeconds * 1000L)
                    : ClusterStatus.read(admin, timeoutSeconds * 1000L);
        } catch (TimeoutException e) {
            return fail(1, "no answer from " + bootstrap + " within " + timeoutSeconds + " s: is a DLog node running there?");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                return fail(1, "no answer from " + bootstrap + " within " + timeoutSeconds + " s: is a DLog node running there?");
            }
            return fail(1, "asking " + bootstrap + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(1, "interrupted");
        } catch (org.apache.kafka.common.KafkaException e) {
            return fail(2, "cannot connect to " + bootstrap + ": " + e.getMessage());
        }
        if (localNodeId >= 0 && status.indexOf(localNodeId).isEmpty()) {
            if (!health) {
                status.print(out, localNodeId);
            }
            return fail(1, "node " + localNodeId + " is not among the live nodes of cluster " + status.clusterId());
        }
        if (health) {
            out.println("node " + localNodeId + " is live in cluster " + status.clusterId() + " ("
                    + status.nodes().size() + " live nodes, metadata leader: "
                    + (status.metadataLeaderId() < 0 ? "none" : "node " + status.metadataLeaderId()) + ")");
            out.flush();
        } else {
            status.print(out, localNodeId);
        }
        return 0;
    }

    /**
     * {@code --health} of a controller-only node: its metadata replica answers for itself within the timeout, and it
     * leads the metadata quorum or follows a leader. A listening port alone is not enough: a controller cut off from
     * the others still listens.
     */
    private int controllerHealth(BrokerConfig config, PrintWriter out) {
        String address = localAddress(config.controllerListener().orElseThrow());
        MetadataQuorum.VoterRole role;
        try {
            role = VoterHealth.ask(config.nodeId(), config.controllerQuorumVoters(), Duration.ofSeconds(Math.max(1, timeoutSeconds)));
        } catch (IOException e) {
            return fail(1, "controller " + config.nodeId() + " did not answer on " + address + " within " + timeoutSeconds
                    + " s: " + e.getMessage());
        }
        if (!role.inWorkingQuorum()) {
            return fail(1, "controller " + config.nodeId() + " follows no metadata leader (its role: " + role.role() + ")");
        }
        out.println("controller " + config.nodeId() + " is " + (role.leaderId() == config.nodeId()
                ? "the metadata leader" : "a follower of metadata leader node " + role.leaderId()) + " (" + address + ")");
        out.flush();
        return 0;
    }

    /** Where this host reaches a listener: its host, or 127.0.0.1 when it binds every address. */
    static String localAddress(BrokerConfig.Listener listener) {
        String host = localHost(listener);
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + listener.port();
    }

    private static String localHost(BrokerConfig.Listener listener) {
        String host = listener.host();
        boolean wildcard = host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
        return wildcard ? "127.0.0.1" : host;
    }

    private Properties adminProps(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "dlog-status");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutSeconds * 1000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutSeconds * 1000);
        return props;
    }

    private int fail(int exitCode, String message) {
        spec.commandLine().getErr().println(StartCommand.ERROR_PREFIX + message);
        spec.commandLine().getErr().flush();
        return exitCode;
    }
}
