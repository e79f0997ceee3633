package io.dlog.compat.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Flight endpoint of a broker with SASL users and ACLs: calls need Flight basic authentication with a PLAIN
 * (JAAS) or SCRAM user's password, ListFlights lists the topics the user may DESCRIBE, and GetFlightInfo, DoGet
 * and Flight SQL queries need READ on the topic, by the broker's ACLs. Arrow's Java Flight client throughout.
 */
@SuppressWarnings("try") // FlightStream.close() declares InterruptedException
class FlightSecurityTest {
    private static final String USERS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_admin=\"admin-secret\" user_alice=\"alice-secret\" user_bob=\"bob-secret\";";
    private static final int RECORDS = 40;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .withListeners("PLAINTEXT", "SASL_PLAINTEXT")
            .with("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256")
            .with("listener.name.sasl_plaintext.plain.sasl.jaas.config", USERS)
            .with("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .with("super.users", "User:admin;User:ANONYMOUS")
            .with("dlog.flight.port", "0");
    private static String alpha;
    private static String beta;
    /** alice may READ it from any host but is denied from 127.0.0.1, where the test connects from. */
    private static String gamma;
    private static BufferAllocator allocator;
    private static FlightClient client;

    @BeforeAll
    static void setUp() throws Exception {
        alpha = DLOG.newTopic(1);
        beta = DLOG.newTopic(1);
        gamma = DLOG.newTopic(1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(DLOG.clientProps(), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(alpha, "{\"n\":" + i + "}"));
                producer.send(new ProducerRecord<>(beta, "{\"n\":" + i + "}"));
            }
        }
        try (Admin admin = DLOG.admin()) {
            admin.createAcls(List.of(allow("alice", AclOperation.READ, alpha), allow("bob", AclOperation.DESCRIBE, beta),
                    allow("carol", AclOperation.READ, beta), allow("alice", AclOperation.READ, gamma),
                    new AclBinding(new ResourcePattern(ResourceType.TOPIC, gamma, PatternType.LITERAL),
                            new AccessControlEntry("User:alice", "127.0.0.1", AclOperation.READ, AclPermissionType.DENY)))).all().get();
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-secret"))).all().get();
        }
        allocator = new RootAllocator();
        client = FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", DLOG.broker().flightPort().orElseThrow())).build();
    }

    @AfterAll
    static void tearDown() throws Exception {
        client.close();
        allocator.close();
    }

    private static AclBinding allow(String user, AclOperation operation, String topic) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private static CallOption login(String user, String password) {
        return client.authenticateBasicToken(user, password).orElseThrow();
    }

    private static List<String> topics(CallOption... login) {
        List<String> topics = new ArrayList<>();
        client.listFlights(Criteria.ALL, login).forEach(info -> topics.add(info.getDescriptor().getPath().get(0)));
        return topics;
    }

    private static long rows(FlightInfo info, CallOption login) throws Exception {
        long rows = 0;
        for (FlightEndpoint endpoint : info.getEndpoints()) {
            rows += rows(endpoint.getTicket(), login);
        }
        return rows;
    }

    private static long rows(Ticket ticket, CallOption login) throws Exception {
        long rows = 0;
        try (FlightStream stream = client.getStream(ticket, login)) {
            while (stream.next()) {
                rows += stream.getRoot().getRowCount();
            }
        }
        return rows;
    }

    private static FlightStatusCode codeOf(Throwable e) {
        return ((FlightRuntimeException) e).status().code();
    }

    @Test
    void shouldRefuseCallsWithoutTheRightPassword() {
        assertThatThrownBy(() -> topics()).satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path(alpha)))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
        assertThatThrownBy(() -> login("alice", "wrong")).satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
        assertThatThrownBy(() -> login("mallory", "alice-secret"))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
    }

    @Test
    void shouldListOnlyDescribableTopicsAndServeOnlyReadableOnes() throws Exception {
        CallOption alice = login("alice", "alice-secret");
        CallOption bob = login("bob", "bob-secret");
        CallOption carol = login("carol", "carol-secret"); // a SCRAM user
        CallOption admin = login("admin", "admin-secret");

        // gamma: READ (so DESCRIBE) allowed from any host, READ denied from 127.0.0.1 (the client's address, which
        // the ACL check sees).
        assertThat(topics(alice)).containsExactlyInAnyOrder(alpha, gamma);
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path(gamma), alice))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
        assertThat(topics(bob)).containsExactly(beta);
        assertThat(topics(admin)).contains(alpha, beta);
        assertThat(rows(client.getInfo(FlightDescriptor.path(alpha), alice), alice)).isEqualTo(RECORDS);
        FlightInfo betaInfo = client.getInfo(FlightDescriptor.path(beta), carol);
        assertThat(rows(betaInfo, carol)).isEqualTo(RECORDS);

        // DESCRIBE is not READ; and a ticket made for carol does not let alice read beta.
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path(beta), bob))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
        assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path(beta), alice))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
        assertThatThrownBy(() -> rows(betaInfo.getEndpoints().get(0).getTicket(), alice))
                .satisfies(e -> assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
    }

    /** {@code dlog sql --user/--password}: the query runs as that user; without them it is refused. */
    @Test
    void shouldRunDlogSqlAsAUser() {
        String flight = "127.0.0.1:" + DLOG.broker().flightPort().orElseThrow();
        String query = "SELECT count(*) AS n FROM \"" + alpha + "\"";
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = io.dlog.broker.cli.DLogCli.commandLine().setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true));

        int asAlice = cli.execute("sql", "--flight", flight, "--user", "alice", "--password", "alice-secret", "--format", "csv", query);
        String aliceOut = out.toString();
        int anonymous = cli.execute("sql", "--flight", flight, "--format", "csv", query);

        assertThat(asAlice).as(err.toString()).isZero();
        assertThat(aliceOut.lines().toList()).containsExactly("n", Integer.toString(RECORDS));
        assertThat(anonymous).isEqualTo(1);
        assertThat(err.toString()).startsWith("dlog sql: ");
    }

    /** pyarrow's Flight client (not ours): basic-token authentication, listing and reading as alice. */
    @Test
    void shouldServePyarrowWithBasicAuthentication() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Pyarrow.available(), Pyarrow.MISSING);
        java.nio.file.Path script = java.nio.file.Files.createTempFile("flight-auth", ".py");
        java.nio.file.Files.writeString(script, """
                import json, sys
                import pyarrow.flight as flight
                client = flight.connect(sys.argv[1])
                try:
                    client.authenticate_basic_token(b"alice", b"wrong")
                    refused = False
                except flight.FlightUnauthenticatedError:
                    refused = True
                options = flight.FlightCallOptions(headers=[client.authenticate_basic_token(b"alice", b"alice-secret")])
                topics = sorted(f.descriptor.path[0].decode() for f in client.list_flights(options=options))
                info = client.get_flight_info(flight.FlightDescriptor.for_path(sys.argv[2]), options)
                rows = sum(client.do_get(e.ticket, options).read_all().num_rows for e in info.endpoints)
                try:
                    client.get_flight_info(flight.FlightDescriptor.for_path(sys.argv[3]), options)
                    denied = False
                except flight.FlightUnauthorizedError:
                    denied = True
                print(json.dumps({"refused": refused, "topics": topics, "rows": rows, "denied": denied}))
                """);
        Process process = new ProcessBuilder("python3", script.toString(), "grpc://127.0.0.1:" + DLOG.broker().flightPort().orElseThrow(),
                alpha, beta).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        java.nio.file.Files.deleteIfExists(script);

        assertThat(output.lines().reduce((a, b) -> b).orElseThrow())
                .isEqualTo("{\"refused\": true, \"topics\": [\"" + String.join("\", \"", new java.util.TreeSet<>(List.of(alpha, gamma)))
                        + "\"], \"rows\": " + RECORDS + ", \"denied\": true}");
    }


    @Test
    void shouldRunFlightSqlOnlyOverReadableTopics() throws Exception {
        CallOption alice = login("alice", "alice-secret");
        FlightSqlClient sql = new FlightSqlClient(client);

        FlightInfo info = sql.execute("SELECT count(*) AS n FROM \"" + alpha + "\"", alice);
        long n;
        try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), alice)) {
            assertThat(stream.next()).isTrue();
            n = ((Number) stream.getRoot().getVector("n").getObject(0)).longValue();
        }

        assertThat(n).isEqualTo(RECORDS);
        assertThatThrownBy(() -> sql.execute("SELECT count(*) FROM \"" + alpha + "\" JOIN \"" + beta + "\" USING (\"offset\")", alice))
                .satisfies(e -> {
                    assertThat(codeOf(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED);
                    assertThat(e.getMessage()).contains(beta);
                });
    }
}
