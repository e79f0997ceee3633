package io.dlog.broker.cli;

import io.dlog.broker.ClusterIdentity;
import io.dlog.broker.config.EffectiveConfig;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.KraftBootstrapSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dlog format}: Kafka's {@code kafka-storage format} for a DLog data folder, with its options, so that a
 * cluster set up as Kafka 4's docs set one up starts as it is. Writes {@code meta.properties} (cluster id, node id,
 * directory id, as Kafka's) and, for a dynamic quorum (KIP-853, {@code controller.quorum.bootstrap.servers}), the
 * initial voters into the metadata folder, where {@code dlog start} reads them. DLog needs no format otherwise: a
 * new folder takes the cluster's id when the node joins.
 */
@Command(name = "format", mixinStandardHelpOptions = true,
        description = "Format a node's data folder as Kafka's kafka-storage format does: the cluster id and, for a "
                + "dynamic quorum (controller.quorum.bootstrap.servers), the initial voters.")
final class FormatCommand implements Callable<Integer> {
    @CommandLine.Mixin
    NodeConfigOptions options = new NodeConfigOptions();

    @Option(names = {"-t", "--cluster-id"}, required = true, paramLabel = "ID",
            description = "The cluster id (as kafka-storage random-uuid prints one), the same on every node.")
    String clusterId;

    @Option(names = {"-I", "--initial-controllers"}, paramLabel = "ID@HOST:PORT:DIRID,...",
            description = "The voters a dynamic quorum starts with, the same list on every controller.")
    String initialControllers;

    @Option(names = {"-s", "--standalone"},
            description = "This controller alone is the dynamic quorum's first voter.")
    boolean standalone;

    @Option(names = {"-N", "--no-initial-controllers"},
            description = "Kafka's option for a controller to be added to a running quorum later; DLog refuses it.")
    boolean noInitialControllers;

    @Option(names = {"-g", "--ignore-formatted"}, description = "A folder already formatted is left as it is.")
    boolean ignoreFormatted;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            String done = format();
            out.println(done);
            out.flush();
            return 0;
        } catch (IOException | ConfigException e) {
            err.println(StartCommand.ERROR_PREFIX + e.getMessage());
            err.flush();
            return e instanceof ConfigException ? 2 : 1;
        }
    }

    private String format() throws IOException {
        if (!KraftBootstrapSnapshot.isKafkaUuid(clusterId)) {
            throw new ConfigException("--cluster-id " + clusterId + " is not a cluster id (22 characters of URL-safe "
                    + "base64, as kafka-storage random-uuid prints)");
        }
        if ((initialControllers != null ? 1 : 0) + (standalone ? 1 : 0) + (noInitialControllers ? 1 : 0) > 1) {
            throw new ConfigException("give one of --initial-controllers, --standalone and --no-initial-controllers");
        }
        EffectiveConfig config = options.node();
        Map<String, String> values = config.values();
        boolean dynamic = values.getOrDefault(BrokerConfig.CONTROLLER_QUORUM_VOTERS, "").isBlank()
                && !values.getOrDefault(BrokerConfig.CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, "").isBlank();
        boolean controller = values.getOrDefault("process.roles", "").contains("controller");
        if (noInitialControllers) {
            throw new ConfigException("--no-initial-controllers formats a controller to be added to a running quorum "
                    + "later (kafka-metadata-quorum add-controller), which DLog does not do yet: give every "
                    + "controller the same --initial-controllers");
        }
        if ((initialControllers != null || standalone) && !dynamic) {
            throw new ConfigException("--initial-controllers and --standalone are for a dynamic quorum "
                    + "(controller.quorum.bootstrap.servers); this node lists its voters in controller.quorum.voters");
        }
        if (standalone && values.get(BrokerConfig.CONTROLLER_QUORUM_BOOTSTRAP_SERVERS).contains(",")) {
            throw new ConfigException("--standalone starts a quorum of this controller alone, to which Kafka adds the "
                    + "others later (kafka-metadata-quorum add-controller), which DLog does not do yet: give every "
                    + "controller the same --initial-controllers");
        }
        if (dynamic && controller && initialControllers == null && !standalone) {
            throw new ConfigException("controller.quorum.voters is not set on this controller, so give one of "
                    + "--initial-controllers or --standalone");
        }
        List<KraftBootstrapSnapshot.Voter> voters = initialControllers != null ? parseVoters(initialControllers)
                : List.of();
        if (!voters.isEmpty()) {
            // The node's other settings are checked as dlog start will check them, with the voters it will read.
            config.put(BrokerConfig.CONTROLLER_QUORUM_VOTERS, KraftBootstrapSnapshot.votersValue(voters),
                    EffectiveConfig.Source.COMMAND_LINE, "--initial-controllers");
        }
        BrokerConfig broker = NodeConfigOptions.parse(config);
        if (standalone) {
            var listener = broker.controllerListener().orElseThrow(() -> new ConfigException(
                    "--standalone needs a controller listener in listeners"));
            String host = listener.host() == null || listener.host().isBlank() ? "localhost" : listener.host();
            voters = List.of(new KraftBootstrapSnapshot.Voter(broker.nodeId(), KraftBootstrapSnapshot.newDirectoryId(),
                    host, listener.port()));
        }
        Path dataDir = broker.dataDir();
        Path metadataDir = KraftBootstrapSnapshot.metadataDir(values.get("metadata.log.dir"), dataDir);
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            if (ignoreFormatted) {
                return dataDir + " is already formatted; left as it is";
            }
            throw new IOException(dataDir + " is already formatted (meta.properties); --ignore-formatted leaves it");
        }
        String directoryId = voters.stream().filter(v -> v.id() == broker.nodeId()).map(KraftBootstrapSnapshot.Voter::directoryId)
                .findFirst().orElseGet(KraftBootstrapSnapshot::newDirectoryId);
        Files.createDirectories(dataDir);
        if (!voters.isEmpty()) {
            KraftBootstrapSnapshot.write(metadataDir, voters, broker.controllerListenerName(), System.currentTimeMillis());
        }
        ClusterIdentity.store(dataDir, broker.nodeId(), clusterId, directoryId);
        return "Formatted " + dataDir + " for cluster " + clusterId + ", node " + broker.nodeId()
                + (voters.isEmpty() ? "" : ", with the initial voters " + KraftBootstrapSnapshot.votersValue(voters));
    }

    /** Kafka's form: id@host:port:directory-id, comma-separated; ids, endpoints and directory ids distinct. */
    static List<KraftBootstrapSnapshot.Voter> parseVoters(String value) {
        List<KraftBootstrapSnapshot.Voter> voters = new ArrayList<>();
        for (String entry : value.split(",")) {
            String voter = entry.trim();
            int at = voter.indexOf('@');
            int dirColon = voter.lastIndexOf(':');
            int portColon = dirColon > 0 ? voter.lastIndexOf(':', dirColon - 1) : -1;
            try {
                if (at <= 0 || portColon <= at + 1) {
                    throw new NumberFormatException();
                }
                int id = Integer.parseInt(voter.substring(0, at));
                String host = voter.substring(at + 1, portColon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(voter.substring(portColon + 1, dirColon));
                String directoryId = voter.substring(dirColon + 1);
                if (id < 0 || port < 1 || port > 65535 || !KraftBootstrapSnapshot.isKafkaUuid(directoryId)) {
                    throw new NumberFormatException();
                }
                for (KraftBootstrapSnapshot.Voter other : voters) {
                    if (other.id() == id || other.directoryId().equals(directoryId)) {
                        throw new ConfigException("--initial-controllers names voter " + id + " or directory "
                                + directoryId + " twice");
                    }
                }
                voters.add(new KraftBootstrapSnapshot.Voter(id, directoryId, host, port));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                throw new ConfigException("--initial-controllers: '" + voter + "' is not id@host:port:directory-id "
                        + "(a directory id as kafka-storage random-uuid prints)");
            }
        }
        return voters;
    }
}
