package io.dlog.compat.streams;

import static io.dlog.compat.streams.StreamsGroupProtocolTest.awaitCounts;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.awaitGroup;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.count;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streams group survives a broker restart: the group (topology, member, epochs, tasks) is read back
 * from {@code __consumer_offsets}, the running Streams instance carries on as the same member, and the
 * counts stay exact. Across the restart the consumer rebootstraps, so it fetches by topic name until its
 * metadata has topic ids again: the broker must make it reopen its fetch session then, or the partitions
 * it sent by name are never answered (this test lost the word on partition 1 that way in about half its runs).
 */
@Timeout(180)
class StreamsGroupRestartTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension()
            .with("group.streams.heartbeat.interval.ms", "300")
            .with("group.streams.session.timeout.ms", "30000");

    @TempDir
    Path stateDir;

    @Test
    void shouldKeepTheStreamsGroupAndItsMemberAcrossABrokerRestart() throws Exception {
        // Given a word count running on the streams protocol
        String input = DLOG.newTopic(2);
        String output = DLOG.newTopic(2);
        String appId = "streams-restart-" + input;
        Map<String, Long> expected = new HashMap<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> died = new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaStreams app = StreamsGroupProtocolTest.wordCount(DLOG.bootstrapServers(), input, output, appId,
                stateDir, StreamsConfig.AT_LEAST_ONCE)) {
            app.setUncaughtExceptionHandler(e -> {
                died.set(e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            app.start();
            List<String> first = List.of("a b c", "a b", "a");
            produce(DLOG, input, first);
            count(expected, first);
            assertThat(awaitCounts(DLOG, output, expected)).isEqualTo(expected);
            StreamsGroupDescription before;
            try (Admin admin = DLOG.admin()) {
                before = awaitGroup(admin, appId, g -> "STABLE".equals(g.groupState().name()));
            }

            // When the broker restarts
            DLOG.restart();

            // Then the group is back with its member, which goes on counting
            try (Admin admin = DLOG.admin()) {
                StreamsGroupDescription after = awaitGroup(admin, appId, g -> !g.members().isEmpty());
                assertThat(after.topologyEpoch()).isEqualTo(before.topologyEpoch());
                assertThat(after.groupEpoch()).isGreaterThanOrEqualTo(before.groupEpoch());
                assertThat(after.subtopologies()).hasSize(2);
                assertThat(after.members()).extracting(StreamsGroupMemberDescription::memberId)
                        .containsExactlyElementsOf(before.members().stream().map(StreamsGroupMemberDescription::memberId).toList());
            }
            List<String> second = List.of("c c d", "a");
            produce(DLOG, input, second);
            count(expected, second);
            Map<String, Long> counted = awaitCounts(DLOG, output, expected);
            // Kafka 4.3.1's new consumer can kill its Streams thread right after reconnecting: the application thread
            // sets a fetch position while the background thread has just invalidated it (KAFKA-15529, fixed in
            // Kafka's AsyncKafkaConsumer later). That is the client's race, not the broker's answer: the test then
            // says so and is aborted rather than failed. Any other death, or wrong counts, still fails it.
            Throwable death = died.get();
            Assumptions.assumeFalse(death != null && isClientPositionRace(death),
                    () -> "the Streams thread died of the client's fetch-position race (KAFKA-15529): " + death);
            assertThat(death).as("the Streams thread's death").isNull();
            assertThat(counted).isEqualTo(expected);
            app.close(Duration.ofSeconds(30));
        }
    }

    private static boolean isClientPositionRace(Throwable death) {
        for (Throwable t = death; t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException && String.valueOf(t.getMessage())
                    .startsWith("Cannot set a new position without a valid current position")) {
                return true;
            }
        }
        return false;
    }
}
