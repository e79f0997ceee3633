package io.dlog.compat.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.ExternalProcess;
import io.dlog.compat.ExternalProcess.Run;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kcat (librdkafka) when the machine has it; skipped otherwise. */
class KcatTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static String kcat;

    @BeforeAll
    static void findKcat() {
        kcat = ExternalProcess.kcat();
        Assumptions.assumeTrue(kcat != null, "kcat is not installed");
    }

    @Test
    void shouldProduceAndConsumeWithKcat() throws Exception {
        // Given
        String topic = "kcat-" + UUID.randomUUID().toString().substring(0, 8);

        // When
        Run produced = run("one\ntwo\nthree\n", kcat, "-P", "-b", DLOG.bootstrapServers(), "-t", topic);
        Run consumed = run("", kcat, "-C", "-b", DLOG.bootstrapServers(), "-t", topic, "-o", "beginning", "-e", "-q");

        // Then
        assertThat(produced.exitCode()).as(produced.toString()).isZero();
        assertThat(consumed.exitCode()).as(consumed.toString()).isZero();
        assertThat(consumed.stdout().lines().toList()).containsExactly("one", "two", "three");
    }

    @Test
    void shouldListTheBrokerAndTopicsWithKcatMetadata() throws Exception {
        // Given
        String topic = DLOG.newTopic(2);

        // When
        Run listed = run("", kcat, "-L", "-b", DLOG.bootstrapServers(), "-t", topic);

        // Then
        assertThat(listed.exitCode()).as(listed.toString()).isZero();
        assertThat(listed.stdout()).contains("1 brokers:").contains("topic \"" + topic + "\" with 2 partitions");
    }

    private static Run run(String stdin, String... command) throws IOException, InterruptedException {
        return ExternalProcess.run(stdin, command);
    }
}
