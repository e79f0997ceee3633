package io.dlog.compat.streams;

import static io.dlog.compat.streams.StreamsGroupProtocolTest.awaitCounts;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.awaitGroup;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.count;
import static io.dlog.compat.streams.StreamsGroupProtocolTest.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.DLogClusterExtension;
import io.dlog.compat.cluster.InProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupMemberDescription;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streams group survives the loss of its coordinator in a three-node cluster: the node leading the group's
 * {@code __consumer_offsets} partition stops, another node becomes its leader and loads the group (topology,
 * member, epochs, tasks) from the replicated records, and the running Streams 4.3.1 word count carries on as the
 * same member with exact counts. What a single-node restart ({@link StreamsGroupRestartTest}) cannot show: the
 * group is read by a node that never served it.
 */
@Timeout(240)
class StreamsGroupFailoverTest {
    @RegisterExtension
    static final DLogClusterExtension CLUSTER = DLogClusterExtension.inProcess(3)
            .with("group.streams.heartbeat.interval.ms", "300")
            .with("group.streams.session.timeout.ms", "30000");

    @TempDir
    Path stateDir;

    /** The group once a node other than {@code stopped} serves it with members; errors while it moves are retried. */
    private static StreamsGroupDescription awaitMovedGroup(Admin admin, String appId, int stopped) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                StreamsGroupDescription group = admin.describeStreamsGroups(List.of(appId)).describedGroups().get(appId)
                        .get(30, TimeUnit.SECONDS);
                if (group.coordinator().id() != stopped && !group.members().isEmpty()) {
                    return group;
                }
                last = group;
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the group never moved: " + last);
    }

    @Test
    void shouldKeepTheStreamsGroupAndItsMemberWhenTheCoordinatorStops(InProcessCluster cluster) throws Exception {
        // Given a word count on the streams protocol, every topic on three replicas
        String bootstrap = CLUSTER.bootstrapServers();
        String input = CLUSTER.newTopic(2, 3);
        String output = CLUSTER.newTopic(2, 3);
        String appId = "streams-failover-" + input;
        Properties props = WordCount.props(bootstrap, appId, stateDir, StreamsConfig.AT_LEAST_ONCE);
        props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
        Map<String, Long> expected = new HashMap<>();
        int coordinator;
        StreamsGroupDescription before;
        try (KafkaStreams app = new KafkaStreams(WordCount.topology(input, output), props)) {
            app.start();
            List<String> first = List.of("a b c", "a b", "a");
            produce(bootstrap, input, first);
            count(expected, first);
            assertThat(awaitCounts(bootstrap, output, expected)).isEqualTo(expected);
            try (Admin admin = CLUSTER.admin()) {
                before = awaitGroup(admin, appId, g -> "STABLE".equals(g.groupState().name()));
            }
            coordinator = before.coordinator().id();

            // When the group's coordinator stops
            cluster.stop(coordinator);
            try {
                // Then another node serves the group with the same member, which goes on counting exactly
                Properties adminProps = cluster.clientProps();
                adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "120000");
                try (Admin admin = Admin.create(adminProps)) {
                    StreamsGroupDescription after = awaitMovedGroup(admin, appId, coordinator);
                    assertThat(after.topologyEpoch()).isEqualTo(before.topologyEpoch());
                    // A group made afresh by a rejoin (the client keeps its member id) would start again at epoch 1.
                    assertThat(before.groupEpoch()).isGreaterThan(1);
                    assertThat(after.groupEpoch()).isGreaterThanOrEqualTo(before.groupEpoch());
                    assertThat(after.members().iterator().next().memberEpoch())
                            .isGreaterThanOrEqualTo(before.members().iterator().next().memberEpoch());
                    assertThat(after.subtopologies()).hasSize(2);
                    assertThat(after.members()).extracting(StreamsGroupMemberDescription::memberId)
                            .containsExactlyElementsOf(before.members().stream().map(StreamsGroupMemberDescription::memberId)
                                    .toList());
                }
                List<String> second = List.of("c c d", "a");
                produce(bootstrap, input, second);
                count(expected, second);
                assertThat(awaitCounts(bootstrap, output, expected)).isEqualTo(expected);
                app.close(Duration.ofSeconds(30));
            } finally {
                cluster.restart(coordinator);
            }
        }
        try (Admin admin = CLUSTER.admin()) {
            assertThat(admin.describeStreamsGroups(List.of(appId)).describedGroups().get(appId).get(60, TimeUnit.SECONDS)
                    .members()).isEmpty();
        }
    }
}
