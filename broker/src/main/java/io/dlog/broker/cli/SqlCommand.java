package io.dlog.broker.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dlog sql}: runs a SQL query over topics on a broker and prints the result. The query runs in the
 * broker (Arrow Flight SQL, next to the data, with projection and range pushdown into the topic readers);
 * this command only finds the endpoint and prints. With {@code --bootstrap} it asks the broker (Kafka
 * DescribeConfigs) for its {@code dlog.flight.port}; {@code --flight} names the endpoint directly.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a SQL query over topics (FROM \"topic-name\") on a broker with dlog.flight.port set.")
final class SqlCommand implements Callable<Integer> {
    private static final String ERROR_PREFIX = "dlog sql: ";

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT", description = "A broker's Kafka listener.")
    String bootstrap;

    @Option(names = "--flight", paramLabel = "HOST:PORT", description = "The broker's Flight endpoint (skips the lookup through --bootstrap).")
    String flight;

    @Option(names = "--user", paramLabel = "USER",
            description = "A SASL user (PLAIN or SCRAM) of a broker whose Flight endpoint requires authentication.")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD",
            description = "The user's password (default: the DLOG_PASSWORD environment variable).")
    String password;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table, csv or json (one object per line). Default: ${DEFAULT-VALUE}.")
    String format;

    @Parameters(index = "0", paramLabel = "SQL", description = "The query, e.g. SELECT country, count(*) FROM \"orders\" GROUP BY country")
    String query;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    @SuppressWarnings("try") // Flight's clients and streams declare InterruptedException on close()
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ResultPrinter.Format printFormat;
        try {
            printFormat = ResultPrinter.Format.valueOf(format.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println(ERROR_PREFIX + "--format must be table, csv or json");
            return 2;
        }
        if (bootstrap == null && flight == null) {
            err.println(ERROR_PREFIX + "give --bootstrap HOST:PORT (or --flight HOST:PORT)");
            return 2;
        }
        Location location = null;
        try (BufferAllocator allocator = new RootAllocator()) {
            location = flight != null ? location(flight) : lookUpFlight(bootstrap);
            try (FlightClient client = FlightClient.builder(allocator, location).build();
                 FlightSqlClient sql = new FlightSqlClient(client)) {
                CallOption[] login = login(client);
                FlightInfo info = sql.execute(query, login);
                ResultPrinter printer = new ResultPrinter(printFormat, out);
                boolean started = false;
                for (FlightEndpoint endpoint : info.getEndpoints()) {
                    try (FlightStream stream = sql.getStream(endpoint.getTicket(), login)) {
                        if (!started) {
                            printer.start(stream.getSchema());
                            started = true;
                        }
                        while (stream.next()) {
                            printer.batch(stream.getRoot());
                        }
                    }
                }
                printer.finish();
                return 0;
            }
        } catch (FlightRuntimeException e) {
            boolean unreachable = e.status().code() == org.apache.arrow.flight.FlightStatusCode.UNAVAILABLE;
            err.println(ERROR_PREFIX + (unreachable ? "cannot reach the Flight endpoint at " + location.getUri() + ": " : "")
                    + e.getMessage());
            return 1;
        } catch (LookupException e) {
            err.println(ERROR_PREFIX + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println(ERROR_PREFIX + e);
            return 1;
        }
    }

    /** Flight basic authentication as {@code --user} (a bearer token for the later calls), or nothing without it. */
    private CallOption[] login(FlightClient client) {
        if (user == null) {
            return new CallOption[0];
        }
        String secret = password != null ? password : System.getenv().getOrDefault("DLOG_PASSWORD", "");
        return client.authenticateBasicToken(user, secret).map(token -> new CallOption[] {token}).orElse(new CallOption[0]);
    }

    /** The bootstrap broker's Flight endpoint: its host, and the port from its dlog.flight.port config. */
    private static Location lookUpFlight(String bootstrap) throws LookupException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(props)) {
            Node node = admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).stream().findFirst()
                    .orElseThrow(() -> new LookupException("the cluster at " + bootstrap + " has no broker"));
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node.id()));
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(broker)).all().get(20, TimeUnit.SECONDS);
            ConfigEntry port = configs.get(broker).get("dlog.flight.port");
            if (port == null || port.value() == null || port.value().isEmpty()) {
                throw new LookupException("broker " + node.id() + " at " + bootstrap + " has no Flight endpoint: start it with dlog.flight.port set");
            }
            return Location.forGrpcInsecure(node.host(), Integer.parseInt(port.value()));
        } catch (LookupException e) {
            throw e;
        } catch (Exception e) {
            throw new LookupException("cannot reach the broker at " + bootstrap + ": " + rootMessage(e));
        }
    }

    private static Location location(String hostPort) throws LookupException {
        int colon = hostPort.lastIndexOf(':');
        try {
            return Location.forGrpcInsecure(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new LookupException("not HOST:PORT: " + hostPort);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /** The endpoint cannot be found; the message says why. */
    private static final class LookupException extends Exception {
        LookupException(String message) {
            super(message);
        }
    }
}
