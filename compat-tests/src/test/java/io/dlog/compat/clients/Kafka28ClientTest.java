package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kafka-clients 2.8.2, in its own class loader: transactional produce (commit and abort) against DLog. */
class Kafka28ClientTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static URLClassLoader kafka28;

    @BeforeAll
    static void loadKafka28() throws IOException {
        Path jar = Path.of("target", "kafka3", "kafka-clients-2.8.jar").toAbsolutePath();
        assertThat(jar).as("copied by maven-dependency-plugin in generate-test-resources").exists();
        URL slf4j = org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation();
        kafka28 = new URLClassLoader("kafka-clients-2.8", new URL[] {jar.toUri().toURL(), slf4j},
                ClassLoader.getPlatformClassLoader());
    }

    @AfterAll
    static void closeKafka28() throws IOException {
        if (kafka28 != null) {
            kafka28.close();
        }
    }

    @Test
    void shouldCommitAndAbortTransactionsWithTheKafka28Producer() throws Exception {
        String version = (String) kafka28.loadClass("org.apache.kafka.common.utils.AppInfoParser")
                .getMethod("getVersion").invoke(null);
        assertThat(version).startsWith("2.8.");

        OldClientTransactions.commitAndAbort(kafka28, DLOG.bootstrapServers(), DLOG.newTopic(1), "kafka28-tx");
    }
}
