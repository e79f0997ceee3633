package io.dlog.kafka.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower's incremental fetch session: what each fetch carries, and how answers and failures move it. */
class FollowerFetchSessionTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final int MAX_BYTES = 1 << 20;

    @TempDir
    Path dir;
    private LogManager logs;
    private final Map<TopicPartition, ReplicaFetchers.Followed> batch = new LinkedHashMap<>();
    private final FollowerFetchSession session = new FollowerFetchSession();

    @BeforeEach
    void open() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        for (int p = 0; p < 3; p++) {
            follow(new TopicPartition("t", p), TOPIC_ID, 4);
        }
    }

    @AfterEach
    void close() throws Exception {
        logs.close();
    }

    private void follow(TopicPartition tp, UUID topicId, int leaderEpoch) throws Exception {
        PartitionLog log = logs.getOrCreate(tp, LogConfig.DEFAULT);
        batch.put(tp, new ReplicaFetchers.Followed(tp, topicId, log, 2, leaderEpoch));
    }

    private FetchRequestData fill() {
        FetchRequestData request = new FetchRequestData();
        session.fill(request, batch, MAX_BYTES);
        return request;
    }

    /** "topic-partition@offset" of each partition the request carries. */
    private static List<String> carried(FetchRequestData request) {
        List<String> out = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : request.topics()) {
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                out.add(topic.topic() + "-" + p.partition() + "@" + p.fetchOffset());
            }
        }
        return out;
    }

    private static List<String> forgotten(FetchRequestData request) {
        List<String> out = new ArrayList<>();
        for (FetchRequestData.ForgottenTopic topic : request.forgottenTopicsData()) {
            for (int p : topic.partitions()) {
                out.add(topic.topic() + "-" + p + " " + topic.topicId());
            }
        }
        return out;
    }

    private void appendTo(int partition) throws Exception {
        PartitionLog log = batch.get(new TopicPartition("t", partition)).log();
        MemoryRecords records = MemoryRecords.withRecords(log.logEndOffset(), Compression.NONE,
                new SimpleRecord(1L, "k".getBytes(), "v".getBytes()));
        log.appendAsFollower(records.buffer()).get();
    }

    @Test
    void shouldSendEveryPartitionFirstThenOnlyWhatChanged() throws Exception {
        FetchRequestData first = fill();
        assertThat(first.sessionId()).isZero();
        assertThat(first.sessionEpoch()).isZero();
        assertThat(carried(first)).containsExactly("t-0@0", "t-1@0", "t-2@0");
        assertThat(first.topics().get(0).topicId()).isEqualTo(new Uuid(TOPIC_ID.getMostSignificantBits(),
                TOPIC_ID.getLeastSignificantBits()));
        session.onAnswer(new FetchResponseData().setSessionId(77));

        FetchRequestData idle = fill();
        assertThat(idle.sessionId()).isEqualTo(77);
        assertThat(idle.sessionEpoch()).isEqualTo(1);
        assertThat(carried(idle)).isEmpty();
        assertThat(forgotten(idle)).isEmpty();
        session.onAnswer(new FetchResponseData().setSessionId(77));

        appendTo(1);
        FetchRequestData moved = fill();
        assertThat(moved.sessionEpoch()).isEqualTo(2);
        assertThat(carried(moved)).containsExactly("t-1@1");
        assertThat(moved.topics().get(0).partitions().get(0).currentLeaderEpoch()).isEqualTo(4);
        session.onAnswer(new FetchResponseData().setSessionId(77));

        follow(new TopicPartition("t", 2), TOPIC_ID, 5); // a new leader epoch is sent too
        assertThat(carried(fill())).containsExactly("t-2@0");
    }

    @Test
    void shouldForgetPartitionsNoLongerFetchedOnce() {
        fill();
        session.onAnswer(new FetchResponseData().setSessionId(9));
        batch.remove(new TopicPartition("t", 0));

        FetchRequestData request = fill();
        assertThat(carried(request)).isEmpty();
        assertThat(forgotten(request)).containsExactly("t-0 " + new Uuid(TOPIC_ID.getMostSignificantBits(),
                TOPIC_ID.getLeastSignificantBits()));
        session.onAnswer(new FetchResponseData().setSessionId(9));
        assertThat(forgotten(fill())).isEmpty();
    }

    @Test
    void shouldForgetTheOldIdOfATopicRecreatedUnderItsName() throws Exception {
        fill();
        session.onAnswer(new FetchResponseData().setSessionId(9));
        UUID recreated = UUID.randomUUID();
        follow(new TopicPartition("t", 0), recreated, 1);

        FetchRequestData request = fill();
        assertThat(carried(request)).containsExactly("t-0@0");
        assertThat(request.topics().get(0).topicId().toString()).isEqualTo(new Uuid(recreated.getMostSignificantBits(),
                recreated.getLeastSignificantBits()).toString());
        assertThat(forgotten(request)).containsExactly("t-0 " + new Uuid(TOPIC_ID.getMostSignificantBits(),
                TOPIC_ID.getLeastSignificantBits()));
    }

    @Test
    void shouldFetchInFullAfterAnyFailure() {
        fill();
        session.onAnswer(new FetchResponseData().setSessionId(5));
        fill();
        session.onAnswer(new FetchResponseData().setErrorCode(Errors.INVALID_FETCH_SESSION_EPOCH.code()));
        FetchRequestData replaced = fill(); // closes session 5 and asks for a new one
        assertThat(replaced.sessionId()).isEqualTo(5);
        assertThat(replaced.sessionEpoch()).isZero();
        assertThat(carried(replaced)).hasSize(3);

        session.onAnswer(new FetchResponseData().setSessionId(6));
        fill();
        session.onLost();
        FetchRequestData afterLoss = fill();
        assertThat(afterLoss.sessionId()).isEqualTo(6);
        assertThat(afterLoss.sessionEpoch()).isZero();
        assertThat(carried(afterLoss)).hasSize(3);

        session.onAnswer(new FetchResponseData().setSessionId(8));
        fill();
        session.onAnswer(new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()));
        FetchRequestData fresh = fill(); // the leader lost the session: nothing to close
        assertThat(fresh.sessionId()).isZero();
        assertThat(fresh.sessionEpoch()).isZero();
        assertThat(carried(fresh)).hasSize(3);
    }

    @Test
    void shouldStayFullWhenTheLeaderHasNoSessionToGive() {
        for (int i = 0; i < 3; i++) {
            FetchRequestData request = fill();
            assertThat(request.sessionId()).isZero();
            assertThat(request.sessionEpoch()).isZero();
            assertThat(carried(request)).hasSize(3);
            session.onAnswer(new FetchResponseData().setSessionId(0));
        }
    }
}
