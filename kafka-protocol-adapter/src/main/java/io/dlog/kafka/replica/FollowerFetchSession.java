package io.dlog.kafka.replica;

import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The follower's half of an incremental fetch session (KIP-227), as Kafka's {@code FetchSessionHandler}: the
 * first fetch to a leader carries every followed partition and asks for a session; later fetches carry only
 * the partitions whose fetch state changed (offset, log start, epochs) and name the ones no longer fetched, and
 * the leader answers only partitions with records, an error or moved offsets. Without a session every fetch
 * carried, and every answer returned, each partition this node follows from that leader, idle or not: work and
 * garbage on both nodes in proportion to the partitions, for every message.
 *
 * <p>Any failure sends the next fetch in full, as Kafka's handler does: an error answer or a lost connection
 * closes the session and asks for a new one; FETCH_SESSION_ID_NOT_FOUND (the leader restarted or evicted the
 * session) asks for a new one without closing. A leader without a free session slot answers with session id 0,
 * and every fetch stays full.
 *
 * <p>Not thread-safe: used by its fetcher thread only.
 */
final class FollowerFetchSession {
    static final int NO_SESSION = 0;
    static final int INITIAL_EPOCH = 0;

    /**
     * What the leader's session holds for a partition: the fetch state this follower sent last. Updated in place
     * (one per partition for the session's life, not one per partition per fetch).
     */
    private static final class Sent {
        UUID topicId;
        int leaderEpoch;
        long fetchOffset;
        int lastFetchedEpoch;
        long logStartOffset;
        int maxBytes;

        /** Sets the fields; returns whether any of them changed. */
        boolean update(UUID topicId, int leaderEpoch, long fetchOffset, int lastFetchedEpoch, long logStartOffset,
                       int maxBytes) {
            boolean changed = leaderEpoch != this.leaderEpoch || fetchOffset != this.fetchOffset
                    || lastFetchedEpoch != this.lastFetchedEpoch || logStartOffset != this.logStartOffset
                    || maxBytes != this.maxBytes || !topicId.equals(this.topicId);
            this.topicId = topicId;
            this.leaderEpoch = leaderEpoch;
            this.fetchOffset = fetchOffset;
            this.lastFetchedEpoch = lastFetchedEpoch;
            this.logStartOffset = logStartOffset;
            this.maxBytes = maxBytes;
            return changed;
        }
    }

    private int sessionId = NO_SESSION;
    private int epoch = INITIAL_EPOCH;
    /** The partitions the leader's session holds, once the request being built is answered. */
    private final Map<TopicPartition, Sent> sent = new HashMap<>();

    /**
     * Sets {@code request}'s session id and epoch and adds the partitions it must carry: all of
     * {@code batch} for a full fetch, else those whose state changed since they were last sent, with the
     * partitions left out of {@code batch} as forgotten.
     */
    void fill(FetchRequestData request, Map<TopicPartition, ReplicaFetchers.Followed> batch, int partitionMaxBytes) {
        boolean full = epoch == INITIAL_EPOCH;
        request.setSessionId(sessionId).setSessionEpoch(epoch);
        if (full) {
            sent.clear();
        }
        Map<UUID, FetchRequestData.FetchTopic> topics = null; // made when a partition is first carried
        for (ReplicaFetchers.Followed f : batch.values()) {
            PartitionLog log = f.log();
            Sent held = sent.get(f.tp());
            boolean changed;
            if (held == null) {
                held = new Sent();
                sent.put(f.tp(), held);
                held.update(f.topicId(), f.leaderEpoch(), log.logEndOffset(), log.latestLeaderEpoch(), log.logStartOffset(),
                        partitionMaxBytes);
                changed = true;
            } else {
                if (!held.topicId.equals(f.topicId())) {
                    forget(request, held.topicId, f.tp()); // the topic was recreated under the same name
                }
                changed = held.update(f.topicId(), f.leaderEpoch(), log.logEndOffset(), log.latestLeaderEpoch(),
                        log.logStartOffset(), partitionMaxBytes);
            }
            if (!full && !changed) {
                continue;
            }
            if (topics == null) {
                topics = new LinkedHashMap<>();
            }
            FetchRequestData.FetchTopic topic = topics.get(f.topicId());
            if (topic == null) {
                topic = new FetchRequestData.FetchTopic().setTopic(f.tp().topic()).setTopicId(kafkaUuid(f.topicId()));
                topics.put(f.topicId(), topic);
                request.topics().add(topic);
            }
            topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(f.tp().partition())
                    .setCurrentLeaderEpoch(held.leaderEpoch).setFetchOffset(held.fetchOffset)
                    .setLastFetchedEpoch(held.lastFetchedEpoch).setLogStartOffset(held.logStartOffset)
                    .setPartitionMaxBytes(held.maxBytes));
        }
        if (sent.size() != batch.size()) { // every partition of batch is in sent now: only sent can hold more
            Iterator<Map.Entry<TopicPartition, Sent>> held = sent.entrySet().iterator();
            while (held.hasNext()) {
                Map.Entry<TopicPartition, Sent> entry = held.next();
                if (!batch.containsKey(entry.getKey())) {
                    forget(request, entry.getValue().topicId, entry.getKey());
                    held.remove();
                }
            }
        }
    }

    /** The answer to the request {@link #fill} built last arrived; an error code sends the next fetch in full. */
    void onAnswer(FetchResponseData response) {
        Errors error = Errors.forCode(response.errorCode());
        if (error != Errors.NONE) {
            if (error == Errors.FETCH_SESSION_ID_NOT_FOUND) {
                sessionId = NO_SESSION;
            }
            epoch = INITIAL_EPOCH;
        } else if (epoch == INITIAL_EPOCH || response.sessionId() == NO_SESSION) {
            // A new session (or none: no slot, or the leader closed it), its first incremental epoch next.
            sessionId = response.sessionId();
            epoch = sessionId == NO_SESSION ? INITIAL_EPOCH : 1;
        } else {
            epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        }
    }

    /**
     * The request was lost (the connection failed or timed out): the leader may or may not have applied it, so
     * the next fetch is full and replaces the session.
     */
    void onLost() {
        epoch = INITIAL_EPOCH;
    }

    /** The session id the next fetch names (0: none). */
    int sessionId() {
        return sessionId;
    }

    /** The epoch the next fetch carries (0: a full fetch). */
    int epoch() {
        return epoch;
    }

    private static void forget(FetchRequestData request, UUID topicId, TopicPartition tp) {
        Uuid id = kafkaUuid(topicId);
        FetchRequestData.ForgottenTopic topic = null;
        for (FetchRequestData.ForgottenTopic t : request.forgottenTopicsData()) {
            if (t.topicId().equals(id)) {
                topic = t;
                break;
            }
        }
        if (topic == null) {
            topic = new FetchRequestData.ForgottenTopic().setTopic(tp.topic()).setTopicId(id);
            request.forgottenTopicsData().add(topic);
        }
        topic.partitions().add(tp.partition());
    }

    private static Uuid kafkaUuid(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }
}
