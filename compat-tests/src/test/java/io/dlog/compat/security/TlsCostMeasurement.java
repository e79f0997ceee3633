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
 * its PLAINTEXT listener, its SSL listener (JDK TLS, TLSv1.3) and its OPENSSL listener (SSL through
 * {@code OpenSslEngineFactory}: BoringSSL), same record count and size; and the broker's CPU time for each
 * run (this JVM's process CPU: the tools run in child JVMs). Prints, and writes to
 * {@code compat-tests/target/tls-cost.txt}, the tools' summary lines and CPU seconds per GB.
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
            .withListeners("PLAINTEXT", "SSL", "OPENSSL")
            .with("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,OPENSSL:SSL")
            .with("listener.name.openssl.ssl.engine.factory.class", "io.dlog.kafka.security.OpenSslEngineFactory")
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
            for (String listener : List.of("PLAINTEXT", "SSL", "OPENSSL")) {
                Path config = listener.equals("PLAINTEXT") ? plainClient : tlsClient;
                long cpu0 = processCpuNanos();
                String topic = DLOG.newTopic(1);
                ChildJvm.Result produced = ChildJvm.run(Duration.ofMinutes(10), "org.apache.kafka.tools.ProducerPerformance",
                        "--bootstrap-server", DLOG.bootstrapServers(listener), "--topic", topic,
                        "--num-records", Integer.toString(RECORDS), "--record-size", Integer.toString(RECORD_SIZE),
                        "--throughput", "-1", "--command-config", config.toString(), "--command-property", "acks=1",
                        "linger.ms=5", "batch.size=262144");
                assertThat(produced.exitCode()).as(produced.toString()).isZero();
                long cpu1 = processCpuNanos();
                ChildJvm.Result consumed = ChildJvm.run(Duration.ofMinutes(10), "org.apache.kafka.tools.ConsumerPerformance",
                        "--bootstrap-server", DLOG.bootstrapServers(listener), "--topic", topic,
                        "--messages", Integer.toString(RECORDS), "--command-config", config.toString(), "--timeout", "60000");
                assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
                long cpu2 = processCpuNanos();
                double gb = (double) RECORDS * RECORD_SIZE / 1e9;
                List<String> produceLines = produced.stdoutLines();
                List<String> consumeLines = consumed.stdoutLines();
                lines.add("trial " + trial + " " + listener + " produce: " + produceLines.get(produceLines.size() - 1));
                lines.add("trial " + trial + " " + listener + " consume: " + consumeLines.get(consumeLines.size() - 2));
                lines.add("trial " + trial + " " + listener + " consume: " + consumeLines.get(consumeLines.size() - 1));
                lines.add(String.format(java.util.Locale.ROOT, "trial %d %s broker CPU s/GB: produce %.1f, consume %.1f, "
                                + "load average %.2f", trial, listener, (cpu1 - cpu0) / 1e9 / gb, (cpu2 - cpu1) / 1e9 / gb,
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            }
        }
        Path out = Path.of("target", "tls-cost.txt");
        Files.write(out, lines);
        lines.forEach(System.out::println);
    }

    /** This JVM's CPU time: the in-process broker's, the tools running in child JVMs. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
