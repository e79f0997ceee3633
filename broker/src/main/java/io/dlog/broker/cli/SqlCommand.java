package io.dlog.broker.cli;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.dlog.broker.cli.FlightPortLookup.LookupException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dlog sql}: runs a SQL query over topics on a broker and prints the result. The query runs in the
 * broker (Arrow Flight SQL, next to the data, with projection and range pushdown into the topic readers);
 * this command only finds the endpoint and prints. With {@code --bootstrap} it asks the broker (Kafka
 * Metadata and DescribeConfigs, {@link FlightPortLookup}) for its {@code dlog.flight.port}; {@code --flight} names
 * the endpoint directly.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a SQL query over topics (FROM \"topic-name\") on a broker with dlog.flight.port set.")
final class SqlCommand implements Callable<Integer> {
    private static final String ERROR_PREFIX = "dlog sql: ";
    private static final int LOOKUP_TIMEOUT_MS = 10_000;

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
            try (FlightClient client = FlightClient.builder(allocator, location).build()) {
                CallOption[] login = login(client);
                ResultPrinter printer = new ResultPrinter(printFormat, out);
                try (FlightStream stream = client.getStream(statementTicket(query), login)) {
                    printer.start(stream.getSchema());
                    while (stream.next()) {
                        printer.batch(stream.getRoot());
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

    /**
     * The ticket a DLog broker's Flight SQL GetFlightInfo answers for {@code query}: a {@code TicketStatementQuery}
     * whose handle is the query text (DLogFlightSqlProducer), redeemed here directly. GetFlightInfo would first run
     * the query over empty topics for its result schema, which this command does not need: the stream brings it.
     * Skipping it saves a round trip and a DuckDB database per query (docs/analytics.md, "Start time"); a query that
     * does not parse or bind fails the same way, in DoGet.
     */
    static Ticket statementTicket(String query) {
        FlightSql.TicketStatementQuery handle = FlightSql.TicketStatementQuery.newBuilder()
                .setStatementHandle(ByteString.copyFromUtf8(query)).build();
        return new Ticket(Any.pack(handle).toByteArray());
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
        FlightPortLookup.Endpoint endpoint = new FlightPortLookup(LOOKUP_TIMEOUT_MS).lookUp(bootstrap);
        return Location.forGrpcInsecure(endpoint.host(), endpoint.port());
    }

    private static Location location(String hostPort) throws LookupException {
        int colon = hostPort.lastIndexOf(':');
        try {
            return Location.forGrpcInsecure(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new LookupException("not HOST:PORT: " + hostPort);
        }
    }
}
