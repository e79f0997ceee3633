package io.dlog.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.cluster.MetadataQuorum.ObserverState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The metadata leader's list of observers, their image queries of both forms, and the describe answer's section. */
class ObserverTrackerTest {
    private final ObserverTracker tracker = new ObserverTracker();

    @Test
    void shouldListAnObserverByTheQueryThatNamesIt() {
        // When: node 4 asks holding version 41 at t=1,000 while the leader's image is 50 (applied index 52), then
        // holding 50 at t=1,100
        tracker.onQuery(ObserverTracker.query(41, 4), 50, 52, 1_000);
        List<ObserverState> behind = tracker.observers(1_050);
        tracker.onQuery(ObserverTracker.query(50, 4), 50, 52, 1_100);

        // Then: caught up, it stands where the leader's applied index does (entries after 50 changed no image)
        assertThat(behind).containsExactly(new ObserverState(4, 41, 50, -1));
        assertThat(tracker.observers(1_300)).containsExactly(new ObserverState(4, 52, 200, 200));
    }

    @Test
    void shouldKeepTheLastCaughtUpTimeWhileAnObserverFallsBehind() {
        // Given
        tracker.onQuery(ObserverTracker.query(50, 4), 50, 50, 1_000);

        // When: the leader moved on to 60 before the next query
        tracker.onQuery(ObserverTracker.query(50, 4), 60, 60, 1_100);

        // Then
        assertThat(tracker.observers(1_100)).containsExactly(new ObserverState(4, 50, 0, 100));
    }

    @Test
    void shouldAnswerButNotListAnOlderObserversAnonymousQuery() {
        // Given
        byte[] anonymous = ObserverTracker.anonymousQuery(7);

        // When
        tracker.onQuery(anonymous, 7, 7, 1_000);

        // Then: the leader still recognizes and answers it
        assertThat(ObserverTracker.isImageQuery(anonymous)).isTrue();
        assertThat(ObserverTracker.knownVersion(anonymous)).isEqualTo(7);
        assertThat(tracker.observers(1_000)).isEmpty();
    }

    @Test
    void shouldForgetAnObserverNotHeardFromForFiveMinutes() {
        // Given
        tracker.onQuery(ObserverTracker.query(5, 4), 5, 5, 0);
        tracker.onQuery(ObserverTracker.query(5, 5), 5, 5, 200_000);

        // When / Then
        assertThat(tracker.observers(ObserverTracker.FORGET_AFTER_MS + 1)).extracting(ObserverState::nodeId).containsExactly(5);
    }

    @Test
    void shouldRefuseOtherQueryShapesAsImageQueries() {
        assertThat(ObserverTracker.isImageQuery(new byte[] {RatisMetadataQuorum.QUERY_DESCRIBE})).isFalse();
        assertThat(ObserverTracker.isImageQuery(new byte[13])).isFalse();
        assertThat(ObserverTracker.isImageQuery(ByteBuffer.allocate(12).put(RatisMetadataQuorum.QUERY_IMAGE).array())).isFalse();
    }

    @Test
    void shouldReadTheObserverSectionAndNoneFromAnOlderLeadersAnswer() {
        // Given
        List<ObserverState> observers = List.of(new ObserverState(4, 10, 20, -1), new ObserverState(5, 11, 3, 3));
        ByteBuffer withSection = ByteBuffer.allocate(8 + ObserverTracker.sectionBytes(2)).putLong(99);
        ObserverTracker.write(withSection, observers);
        ByteBuffer olderLeader = ByteBuffer.allocate(8).putLong(99);

        // When
        List<ObserverState> read = ObserverTracker.read(withSection.flip().position(8));
        List<ObserverState> none = ObserverTracker.read(olderLeader.flip().position(8));

        // Then
        assertThat(read).isEqualTo(observers);
        assertThat(withSection.hasRemaining()).isFalse();
        assertThat(none).isEmpty();
    }

    @Test
    void shouldRecognizeAnOlderLeadersRefusalOfTheNamedQuery() {
        // Given: how a leader's state machine refuses a query it does not know, as it reaches the client
        Throwable refusal = new CompletionException(new IOException("wrapped",
                new IOException(RatisMetadataQuorum.UNKNOWN_QUERY)));

        // Then
        assertThat(ObserverMetadataQuorum.refusedAsUnknown(refusal)).isTrue();
        assertThat(ObserverMetadataQuorum.refusedAsUnknown(new IOException("connection refused"))).isFalse();
    }
}
