package io.dlog.analytics.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dlog.analytics.TopicCatalog;
import io.dlog.analytics.TopicTables;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // FlightStream.close() declares InterruptedException
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlightServiceTest {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 500;
    /** 200,000 records: four Arrow batches (64Ki rows each at most), so the stream must wait for the client. */
    private static final int BIG_BATCHES = 25;
    private static final int BIG_RECORDS = 8000;
    @TempDir
    static Path dir;
    private LogManager logs;
    private FlightService service;
    private BufferAllocator allocator;
    private FlightClient client;
    private final long[] amountByPartition = new long[PARTITIONS];

    @BeforeAll
    void start() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir.resolve("data")), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        String[] countries = {"FR", "DE", "US", "JP"};
        for (int p = 0; p < PARTITIONS; p++) {
            PartitionLog log = logs.getOrCreate(new TopicPartition("orders", p), LogConfig.DEFAULT);
            for (int b = 0; b < PER_PARTITION / 100; b++) {
                SimpleRecord[] batch = new SimpleRecord[100];
                for (int i = 0; i < batch.length; i++) {
                    int n = b * 100 + i;
                    long amount = p * 1000L + n;
                    amountByPartition[p] += amount;
                    String json = "{\"country\":\"" + countries[n % 4] + "\",\"amount\":" + amount + ",\"n\":" + n + "}";
                    batch[i] = new SimpleRecord(1_700_000_000_000L + n, ("k" + n).getBytes(StandardCharsets.UTF_8),
                            json.getBytes(StandardCharsets.UTF_8));
                }
                assertThat(log.append(MemoryRecords.withRecords(Compression.NONE, batch).buffer(), 0).get().succeeded()).isTrue();
            }
        }
        PartitionLog raw = logs.getOrCreate(new TopicPartition("raw-bytes", 0), LogConfig.DEFAULT);
        raw.append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(new byte[] {1, 2, 3})).buffer(), 0).get();
        PartitionLog big = logs.getOrCreate(new TopicPartition("big", 0), LogConfig.DEFAULT);
        for (int b = 0; b < BIG_BATCHES; b++) {
            SimpleRecord[] batch = new SimpleRecord[BIG_RECORDS];
            java.util.Arrays.setAll(batch, i -> new SimpleRecord(new byte[100]));
            assertThat(big.append(MemoryRecords.withRecords(Compression.NONE, batch).buffer(), 0).get().succeeded()).isTrue();
        }
        logs.getOrCreate(new TopicPartition("__consumer_offsets", 0), LogConfig.DEFAULT);
        service = FlightService.start("127.0.0.1", 0, new TopicTables(TopicCatalog.of(logs), 1000), 1L << 30);
        allocator = new RootAllocator();
        client = FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", service.port())).build();
    }

    @AfterAll
    void stop() throws Exception {
        client.close();
        service.close();
        allocator.close();
        logs.close();
    }

    @Test
    void shouldListTopicsButNotInternalOnes() {
        List<String> topics = new ArrayList<>();
        client.listFlights(Criteria.ALL).forEach(info -> topics.add(info.getDescriptor().getPath().get(0)));

        assertThat(topics).containsExactly("big", "orders", "raw-bytes");
    }

    /**
     * A client that reads later than the server produces (20 MB in four batches, more than gRPC buffers): the
     * stream waits for it and completes. It hung when the wait relied on gRPC's on-ready callback, which
     * cannot run while the producer holds the call's callback thread.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void shouldStreamToAClientSlowerThanTheServer() throws Exception {
        FlightInfo info = client.getInfo(FlightDescriptor.path("big"));
        long rows = 0;
        try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket())) {
            Thread.sleep(500);
            while (stream.next()) {
                rows += stream.getRoot().getRowCount();
            }
        }
        assertThat(rows).isEqualTo((long) BIG_BATCHES * BIG_RECORDS);
    }

    /**
     * Arrow's Flight SQL JDBC driver, which prepares every statement (CreatePreparedStatement, GetFlightInfo and
     * DoGet of the prepared statement, ClosePreparedStatement): a PreparedStatement and a plain Statement answer
     * what the data holds; a statement with a parameter is refused with the reason.
     */
    @Test
    void shouldAnswerTheFlightSqlJdbcDriversPreparedStatements() throws Exception {
        long[] expectedByCountry = new long[4];
        long expectedTotal = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            for (int n = 0; n < PER_PARTITION; n++) {
                expectedByCountry[n % 4]++;
                expectedTotal += p * 1000L + n;
            }
        }
        String url = "jdbc:arrow-flight-sql://127.0.0.1:" + service.port() + "/?useEncryption=false";
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url)) {
            try (java.sql.PreparedStatement statement = connection.prepareStatement(
                    "SELECT country, count(*) AS n FROM orders GROUP BY country ORDER BY country");
                 java.sql.ResultSet rs = statement.executeQuery()) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString("country") + "=" + rs.getLong("n"));
                }
                assertThat(rows).containsExactly("DE=" + expectedByCountry[1], "FR=" + expectedByCountry[0],
                        "JP=" + expectedByCountry[3], "US=" + expectedByCountry[2]);
            }
            try (java.sql.Statement statement = connection.createStatement();
                 java.sql.ResultSet rs = statement.executeQuery("SELECT sum(amount) AS total, count(*) AS n FROM orders")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong("total")).isEqualTo(expectedTotal);
                assertThat(rs.getLong("n")).isEqualTo((long) PARTITIONS * PER_PARTITION);
                assertThat(rs.next()).isFalse();
            }
            assertThatThrownBy(() -> connection.prepareStatement("SELECT count(*) FROM orders WHERE amount > ?"))
                    .isInstanceOf(java.sql.SQLException.class);
        }
    }

    @Test
    void shouldDescribeOneEndpointPerPartitionAndStreamEachPartition() throws Exception {
        FlightInfo info = client.getInfo(FlightDescriptor.path("orders"));

        assertThat(info.getEndpoints()).hasSize(PARTITIONS);
        assertThat(info.getSchemaOptional().orElseThrow().getFields()).extracting(f -> f.getName())
                .containsExactly("partition", "offset", "timestamp", "key", "headers", "country", "amount", "n", "_overflow");
        for (int p = 0; p < PARTITIONS; p++) {
            FlightEndpoint endpoint = info.getEndpoints().get(p);
            JsonNode metadata = new ObjectMapper().readTree(endpoint.getAppMetadata());
            assertThat(metadata.get("partition").asInt()).isEqualTo(p);
            assertThat(metadata.get("start_offset").asLong()).isZero();
            assertThat(metadata.get("end_offset").asLong()).isEqualTo(PER_PARTITION);
            long rows = 0;
            long amount = 0;
            try (FlightStream stream = client.getStream(endpoint.getTicket())) {
                while (stream.next()) {
                    VectorSchemaRoot root = stream.getRoot();
                    for (int i = 0; i < root.getRowCount(); i++) {
                        assertThat(root.getVector("partition").getObject(i)).isEqualTo(p);
                        amount += (Long) root.getVector("amount").getObject(i);
                    }
                    rows += root.getRowCount();
                }
            }
            assertThat(rows).isEqualTo(PER_PARTITION);
            assertThat(amount).isEqualTo(amountByPartition[p]);
        }
    }

    @Test
    void shouldProjectColumnsAndForceTheRawFormat() throws Exception {
        FlightInfo info = client.getInfo(FlightDescriptor.path("orders", "format=raw", "columns=offset,value"));

        assertThat(info.getSchemaOptional().orElseThrow().getFields()).extracting(f -> f.getName()).containsExactly("offset", "value");
        try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket())) {
            assertThat(stream.next()).isTrue();
            byte[] first = (byte[]) stream.getRoot().getVector("value").getObject(0);
            assertThat(new String(first, StandardCharsets.UTF_8)).startsWith("{\"country\":\"FR\"");
        }
    }

    @Test
    void shouldAnswerNotFoundAndInvalidArgumentWithoutHarmingTheEndpoint() {
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("no-such-topic")))
                .isInstanceOfSatisfying(FlightRuntimeException.class, e -> assertThat(e.status().code()).isEqualTo(CallStatus.NOT_FOUND.code()));
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("__consumer_offsets")))
                .isInstanceOfSatisfying(FlightRuntimeException.class, e -> assertThat(e.status().code()).isEqualTo(CallStatus.NOT_FOUND.code()));
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("orders", "colour=red")))
                .isInstanceOfSatisfying(FlightRuntimeException.class, e -> assertThat(e.status().code()).isEqualTo(CallStatus.INVALID_ARGUMENT.code()));
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("orders", "columns=nope")))
                .isInstanceOfSatisfying(FlightRuntimeException.class, e -> assertThat(e.status().code()).isEqualTo(CallStatus.INVALID_ARGUMENT.code()));
        assertThatThrownBy(() -> {
            try (FlightStream stream = client.getStream(new Ticket("{\"kind\":\"garbage\"}".getBytes(StandardCharsets.UTF_8)))) {
                stream.next();
            }
        }).isInstanceOfSatisfying(FlightRuntimeException.class, e -> assertThat(e.status().code()).isEqualTo(CallStatus.INVALID_ARGUMENT.code()));

        assertThat(client.getInfo(FlightDescriptor.path("raw-bytes")).getEndpoints()).hasSize(1);
    }

    @Test
    void shouldServePyarrowsFlightClient() throws Exception {
        assumeThat(pyarrowAvailable()).as("pyarrow with Flight is not installed for python3: pip install pyarrow").isTrue();
        Path script = dir.resolve("read.py");
        Files.writeString(script, """
                import json, sys
                import pyarrow.flight as flight
                client = flight.connect(sys.argv[1])
                topics = sorted(f.descriptor.path[0].decode() for f in client.list_flights())
                info = client.get_flight_info(flight.FlightDescriptor.for_path("orders"))
                parts = []
                for endpoint in info.endpoints:
                    table = client.do_get(endpoint.ticket).read_all()
                    parts.append({"rows": table.num_rows,
                                  "partition": table.column("partition")[0].as_py(),
                                  "amount": sum(table.column("amount").to_pylist()),
                                  "country_type": str(table.schema.field("country").type)})
                print(json.dumps({"topics": topics, "partitions": parts}))
                """);
        Process process = new ProcessBuilder("python3", script.toString(), "grpc://127.0.0.1:" + service.port())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        JsonNode result = new ObjectMapper().readTree(output.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(result.get("topics").toString()).isEqualTo("[\"big\",\"orders\",\"raw-bytes\"]");
        assertThat(result.get("partitions")).hasSize(PARTITIONS);
        for (JsonNode part : result.get("partitions")) {
            int p = part.get("partition").asInt();
            assertThat(part.get("rows").asLong()).isEqualTo(PER_PARTITION);
            assertThat(part.get("amount").asDouble()).isEqualTo((double) amountByPartition[p]);
            assertThat(part.get("country_type").asText()).isEqualTo("string");
        }
    }

    private static boolean pyarrowAvailable() {
        try {
            Process probe = new ProcessBuilder("python3", "-c", "import pyarrow.flight").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
