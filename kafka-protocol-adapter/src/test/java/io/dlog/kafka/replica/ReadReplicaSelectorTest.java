package io.dlog.kafka.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.replica.ReadReplicaSelector.Candidate;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadReplicaSelectorTest {
    private static final List<Candidate> FOLLOWERS = List.of(
            new Candidate(2, "b", 100, 0), new Candidate(3, "c", 100, 0));

    @Test
    void shouldKeepTheLeaderForAConsumerWithoutARack() {
        assertThat(ReadReplicaSelector.select(null, "a", FOLLOWERS)).isEqualTo(ReadReplicaSelector.LEADER);
        assertThat(ReadReplicaSelector.select("", "a", FOLLOWERS)).isEqualTo(ReadReplicaSelector.LEADER);
    }

    @Test
    void shouldKeepTheLeaderWhenItIsInTheConsumersRackEvenIfAFollowerIsToo() {
        List<Candidate> followers = List.of(new Candidate(2, "a", 100, 0));
        assertThat(ReadReplicaSelector.select("a", "a", followers)).isEqualTo(ReadReplicaSelector.LEADER);
    }

    @Test
    void shouldSendTheConsumerToTheFollowerInItsRack() {
        assertThat(ReadReplicaSelector.select("b", "a", FOLLOWERS)).isEqualTo(2);
        assertThat(ReadReplicaSelector.select("c", null, FOLLOWERS)).isEqualTo(3);
    }

    @Test
    void shouldKeepTheLeaderWhenNoEligibleFollowerIsInTheConsumersRack() {
        assertThat(ReadReplicaSelector.select("d", "a", FOLLOWERS)).isEqualTo(ReadReplicaSelector.LEADER);
        assertThat(ReadReplicaSelector.select("b", "a", List.of())).isEqualTo(ReadReplicaSelector.LEADER);
    }

    @Test
    void shouldPreferTheMostCaughtUpFollowerOfTheRackThenTheMostRecentlyCaughtUpThenTheHighestId() {
        List<Candidate> longerLog = List.of(new Candidate(2, "b", 90, 0), new Candidate(4, "b", 100, 500));
        assertThat(ReadReplicaSelector.select("b", "a", longerLog)).isEqualTo(4);
        List<Candidate> fresher = List.of(new Candidate(2, "b", 100, 10), new Candidate(4, "b", 100, 500));
        assertThat(ReadReplicaSelector.select("b", "a", fresher)).isEqualTo(2);
        List<Candidate> tie = List.of(new Candidate(2, "b", 100, 10), new Candidate(4, "b", 100, 10));
        assertThat(ReadReplicaSelector.select("b", "a", tie)).isEqualTo(4);
    }

    @Test
    void shouldNeverSendTheConsumerToAFollowerWithoutItsListener() {
        List<Candidate> unreachable = List.of(new Candidate(2, "b", false, 100, 0));
        assertThat(ReadReplicaSelector.select("b", "a", unreachable)).isEqualTo(ReadReplicaSelector.LEADER);
        List<Candidate> oneReachable = List.of(new Candidate(2, "b", false, 200, 0), new Candidate(4, "b", true, 100, 0));
        assertThat(ReadReplicaSelector.select("b", "a", oneReachable)).isEqualTo(4);
    }
}
