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
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streams group survives a broker restart: the group (topology, member, epochs, tasks) is read back
 * from {@code __consumer_offsets}, the running Streams instance carries on as the same member, and the
 * counts stay exact.
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
    @Disabled("Open bug (issue 18), intermittent since 2026-11-30 evening: after the restart the word count's second "
            + "batch is only partly counted (\"d\", the first record of repartition and output partition 1, never "
            + "arrives within 60 s; \"a\" and \"c\" do), with no broker error. Failed about half of ~12 runs on "
            + "commits from 7249a62 on, passed 3 of 3 on 46d8445 and 5bdbd39: bisection inconclusive")
    void shouldKeepTheStreamsGroupAndItsMemberAcrossABrokerRestart() throws Exception {
        // Given a word count running on the streams protocol
        String input = DLOG.newTopic(2);
        String output = DLOG.newTopic(2);
        String appId = "streams-restart-" + input;
        Map<String, Long> expected = new HashMap<>();
        try (KafkaStreams app = StreamsGroupProtocolTest.wordCount(DLOG.bootstrapServers(), input, output, appId,
                stateDir, StreamsConfig.AT_LEAST_ONCE)) {
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
            assertThat(awaitCounts(DLOG, output, expected)).isEqualTo(expected);
            app.close(Duration.ofSeconds(30));
        }
    }
}
