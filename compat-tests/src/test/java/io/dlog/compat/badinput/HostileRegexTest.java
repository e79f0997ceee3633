package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * KIP-848 subscribedTopicRegex is client input run against every topic name. A pattern that makes a
 * backtracking engine take exponential time must be answered promptly (RE2J matches in linear time,
 * as Kafka does), the coordinator must keep serving other groups, and a pattern RE2J does not accept
 * is refused with INVALID_REGULAR_EXPRESSION, as Kafka 4 refuses it.
 */
class HostileRegexTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static final short VERSION = 1;
    private static final Duration PROMPTLY = Duration.ofSeconds(10);
    private static BrokerHealth health;

    @BeforeAll
    static void createATopicThatBacktrackingChokesOn() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before");
        try (var admin = DLOG.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("a".repeat(60) + "b", 1, (short) 1)))
                    .all().get();
        }
    }

    @AfterEach
    void brokerStillServesAndKeepsEverything() throws Exception {
        health.assertServesAndKeepsEverything();
    }

    @Test
    void shouldAnswerAHeartbeatWithACatastrophicBacktrackingRegexPromptly() throws Exception {
        try (RawConnection hostile = RawConnection.open(DLOG.broker().port());
             RawConnection other = RawConnection.open(DLOG.broker().port())) {
            hostile.readTimeout((int) PROMPTLY.toMillis());
            other.readTimeout((int) PROMPTLY.toMillis());

            // When
            String group = "regex-" + UUID.randomUUID();
            ConsumerGroupHeartbeatResponseData answer = heartbeat(hostile, group, "(.*a){12}",
                    UUID.randomUUID().toString(), 0);
            // The regex is resolved off the coordinator; a later heartbeat sees its result.
            Thread.sleep(500);
            ConsumerGroupHeartbeatResponseData again = heartbeat(hostile, group, "(.*a){12}", answer.memberId(),
                    answer.memberEpoch());

            // Then: answered, and the coordinator serves another group too
            assertThat(answer.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(again.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(heartbeat(other, "unrelated-.*").errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(findCoordinator(other).errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void shouldRefuseARegexRe2jDoesNotAcceptWithInvalidRegularExpression() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            for (String regex : List.of("a(?=b)", "(a", "x{1001}", "(?<!a)b", "\\1")) {
                // When
                ConsumerGroupHeartbeatResponseData answer = heartbeat(connection, regex);

                // Then
                assertThat(answer.errorCode()).as(regex).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION.code());
            }
        }
    }

    private static ConsumerGroupHeartbeatResponseData heartbeat(RawConnection connection, String regex) throws Exception {
        return heartbeat(connection, "regex-" + UUID.randomUUID(), regex, UUID.randomUUID().toString(), 0);
    }

    private static ConsumerGroupHeartbeatResponseData heartbeat(RawConnection connection, String group, String regex,
                                                                String memberId, int epoch) throws Exception {
        ConsumerGroupHeartbeatRequestData request = new ConsumerGroupHeartbeatRequestData()
                .setGroupId(group).setMemberId(memberId)
                .setMemberEpoch(epoch).setRebalanceTimeoutMs(epoch == 0 ? 30_000 : -1)
                .setSubscribedTopicRegex(regex).setTopicPartitions(epoch == 0 ? List.of() : null);
        // As a Kafka client does: COORDINATOR_LOAD_IN_PROGRESS (the broker still loading its groups at start)
        // is retried; every other answer is the one under test.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            int correlationId = connection.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, VERSION, request);
            ConsumerGroupHeartbeatResponseData answer = new ConsumerGroupHeartbeatResponseData(
                    connection.receive(correlationId, ApiKeys.CONSUMER_GROUP_HEARTBEAT, VERSION), VERSION);
            if (answer.errorCode() != Errors.COORDINATOR_LOAD_IN_PROGRESS.code() || System.nanoTime() - deadline > 0) {
                return answer;
            }
            Thread.sleep(50);
        }
    }

    private static FindCoordinatorResponseData findCoordinator(RawConnection connection) throws Exception {
        short version = 4;
        int correlationId = connection.send(ApiKeys.FIND_COORDINATOR, version,
                new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("any-group")));
        return new FindCoordinatorResponseData(connection.receive(correlationId, ApiKeys.FIND_COORDINATOR, version), version);
    }
}
