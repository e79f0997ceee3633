package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.tools.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Not a check: a measurement for docs/benchmarks.md. The cost of TLS: Kafka's own
 * kafka-producer-perf-test and kafka-consumer-perf-test (child JVMs) against one in-process DLog, over
 * its PLAINTEXT listener and over its SSL listener (JDK TLS, TLSv1.3), same record count and size.
 * Prints, and writes to {@code compat-tests/target/tls-cost.txt}, the tools' summary lines.
 *
 * <pre>
 * mvn -B -o -pl compat-tests -am verify -Dtest=TlsCostMeasurement -Dsurefire.failIfNoSpecifiedTests=false -Ddlog.measure=true
 * </pre>
 */
@EnabledIfSystemProperty(named = "dlog.measure", matches = "true")
class TlsCostMeasurement {
    private static final TestCertificates CERTS = TestCertificates.generate();
    private static final int RECORDS = Integer.getInteger("dlog.measure.records", 1_000_000);
    private static final int RECORD_SIZE = 1024;
    private static final int TRIALS = 2;

    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .withListeners("PLAINTEXT", "SSL")
            .with("ssl.keystore.location", CERTS.keyStore("broker").toString())
            .with("ssl.keystore.password", TestCertificates.PASSWORD)
            .with("ssl.key.password", TestCertificates.PASSWORD);

    @Test
    @org.junit.jupiter.api.Timeout(value = 30, unit = java.util.concurrent.TimeUnit.MINUTES)
    void measureProduceAndConsumeOverPlaintextAndTls() throws Exception {
        Path tlsClient = CERTS.dir().resolve("client-ssl.properties");
        Files.writeString(tlsClient, "security.protocol=SSL\nssl.truststore.location=" + CERTS.trustStorePath("broker")
                + "\nssl.truststore.password=" + TestCertificates.PASSWORD + "\n");
        Path plainClient = CERTS.dir().resolve("client-plain.properties");
        Files.writeString(plainClient, "security.protocol=PLAINTEXT\n");
        List<String> lines = new ArrayList<>();
        for (int trial = 1; trial <= TRIALS; trial++) {
            for (String listener : List.of("PLAINTEXT", "SSL")) {
                Path config = listener.equals("SSL") ? tlsClient : plainClient;
                String topic = DLOG.newTopic(1);
                ChildJvm.Result produced = ChildJvm.run(Duration.ofMinutes(10), "org.apache.kafka.tools.ProducerPerformance",
                        "--bootstrap-server", DLOG.bootstrapServers(listener), "--topic", topic,
                        "--num-records", Integer.toString(RECORDS), "--record-size", Integer.toString(RECORD_SIZE),
                        "--throughput", "-1", "--command-config", config.toString(), "--command-property", "acks=1",
                        "linger.ms=5", "batch.size=262144");
                assertThat(produced.exitCode()).as(produced.toString()).isZero();
                ChildJvm.Result consumed = ChildJvm.run(Duration.ofMinutes(10), "org.apache.kafka.tools.ConsumerPerformance",
                        "--bootstrap-server", DLOG.bootstrapServers(listener), "--topic", topic,
                        "--messages", Integer.toString(RECORDS), "--command-config", config.toString(), "--timeout", "60000");
                assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
                List<String> produceLines = produced.stdoutLines();
                List<String> consumeLines = consumed.stdoutLines();
                lines.add("trial " + trial + " " + listener + " produce: " + produceLines.get(produceLines.size() - 1));
                lines.add("trial " + trial + " " + listener + " consume: " + consumeLines.get(consumeLines.size() - 2));
                lines.add("trial " + trial + " " + listener + " consume: " + consumeLines.get(consumeLines.size() - 1));
            }
        }
        Path out = Path.of("target", "tls-cost.txt");
        Files.write(out, lines);
        lines.forEach(System.out::println);
    }
}
