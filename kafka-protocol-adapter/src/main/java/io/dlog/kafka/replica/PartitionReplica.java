package io.dlog.kafka.replica;

import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import org.apache.kafka.common.protocol.Errors;

/**
 * This node's replica of one partition and its role in the partition's current leader epoch.
 *
 * <p>As leader: the followers' log ends as their fetches report them, the high watermark (the smallest log
 * end over the ISR, Kafka's rule; during an ISR change the larger of the old and new sets counts, so a
 * replica about to join, or one not yet removed, is never left behind by a commit; and it stays put while the ISR
 * is below min.insync.replicas, {@link #isUnderMinIsr}), and acks=all produces
 * waiting for the high watermark to pass their last offset (a threshold purgatory: a sorted map of
 * required offsets, completed by whoever moves the high watermark; no thread waits).
 *
 * <p>Thread-safety: role fields are volatile and written by the image thread only; follower state is
 * per-follower and written by the fetch that reports it; the waiting acks are guarded by this object.
 */
final class PartitionReplica {
    enum Role { LEADER, FOLLOWER, OFFLINE }

    final TopicPartition tp;
    final UUID topicId;
    final PartitionLog log;
    /** {@code Optional.of(log)}, made once: leaders are asked for it once per partition per fetch and produce. */
    final Optional<PartitionLog> presentLog;
    private final int self;

    volatile Role role = Role.OFFLINE;
    volatile int leaderId = -1;
    volatile int leaderEpoch = -1;
    volatile List<Integer> replicas = List.of();
    volatile List<Integer> isr = List.of();
    volatile int partitionEpoch = -1;
    /** The topic's min.insync.replicas as the image last gave it (capped by {@link #effectiveMinIsr}). */
    volatile int configuredMinIsr = 1;
    /** True once the new leader recorded its epoch in the log: only then does it take appends. */
    volatile boolean ready;
    /** The log end when this node's leadership began (Kafka's leader epoch start offset). */
    volatile long epochStartOffset;
    /** The ISR this leader proposed and the metadata group has not yet applied; null when none. */
    volatile List<Integer> pendingIsr;
    /** A RaiseLeaderEpoch proposal is out. */
    volatile boolean epochRaisePending;

    /** The last {@link #followedView}; racing callers may each build one, which costs only the duplicate. */
    private volatile ReplicaFetchers.Followed followedView;

    final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    private final TreeMap<Long, List<DelayedAck>> waiting = new TreeMap<>(); // guarded by this

    PartitionReplica(TopicPartition tp, UUID topicId, PartitionLog log, int self) {
        this.tp = tp;
        this.topicId = topicId;
        this.log = log;
        this.presentLog = Optional.of(log);
        this.self = self;
    }

    /**
     * The fetcher's view of this partition at its current leader and epoch: one object per leadership, not one per
     * fetch (the fetcher asks for it once or twice per fetch, and a follower fetches once or twice per acks=all
     * message).
     */
    ReplicaFetchers.Followed followedView() {
        int leader = leaderId;
        int epoch = leaderEpoch;
        ReplicaFetchers.Followed view = followedView;
        if (view == null || view.leader() != leader || view.leaderEpoch() != epoch) {
            view = new ReplicaFetchers.Followed(tp, topicId, log, leader, epoch);
            followedView = view;
        }
        return view;
    }

    boolean isReadyLeader() {
        return role == Role.LEADER && ready;
    }

    /**
     * Kafka's effective min ISR: min.insync.replicas, at most the replica count (a setting above the replication
     * factor would otherwise refuse every acks=all write and freeze the high watermark for good).
     */
    int effectiveMinIsr(int configured) {
        return Math.max(1, Math.min(configured, replicas.size()));
    }

    /**
     * Kafka's strict min ISR (KIP-966, since Kafka 3.7): while the ISR is below the effective min ISR the high watermark
     * does not move, so what a consumer can read is on at least that many replicas, and a replica that left the ISR
     * then still holds everything below it.
     */
    boolean isUnderMinIsr() {
        return isr.size() < effectiveMinIsr(configuredMinIsr);
    }

    /** More than one replica: the high watermark is the replication layer's to move. */
    boolean isReplicated() {
        return replicas.size() > 1;
    }

    /** Where a follower stands, as its fetches report it (Kafka's replica state at the leader). */
    static final class FollowerState {
        /** The follower's log end offset (its last fetch offset), -1 until it fetches in this epoch. */
        volatile long logEndOffset = -1;
        /** The follower's log start offset as its fetch reports it, -1 until known. */
        volatile long logStartOffset = -1;
        /** The last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs). */
        volatile long lastCaughtUpMs;
        private long lastFetchLeaderEnd = -1;
        private long lastFetchMs;

        FollowerState(long nowMs) {
            this.lastCaughtUpMs = nowMs;
        }

        /**
         * Kafka's rule: caught up now if the fetch reaches the leader's end now; caught up at the previous
         * fetch's time if it reaches the end the leader had then.
         */
        synchronized void onFetch(long fetchOffset, long followerLogStart, long leaderEnd, long nowMs) {
            if (fetchOffset >= leaderEnd) {
                lastCaughtUpMs = Math.max(lastCaughtUpMs, nowMs);
            } else if (lastFetchLeaderEnd >= 0 && fetchOffset >= lastFetchLeaderEnd) {
                lastCaughtUpMs = Math.max(lastCaughtUpMs, lastFetchMs);
            }
            logEndOffset = fetchOffset;
            logStartOffset = followerLogStart;
            lastFetchLeaderEnd = leaderEnd;
            lastFetchMs = nowMs;
        }
    }

    /** An acks=all produce waiting for the high watermark to reach {@code requiredOffset}. */
    static final class DelayedAck {
        final long requiredOffset;
        final int minInsyncReplicas;
        final CompletableFuture<Errors> result = new CompletableFuture<>();
        volatile ScheduledFuture<?> timer;

        DelayedAck(long requiredOffset, int minInsyncReplicas) {
            this.requiredOffset = requiredOffset;
            this.minInsyncReplicas = minInsyncReplicas;
        }

        void complete(Errors error) {
            if (result.complete(error)) {
                ScheduledFuture<?> t = timer;
                if (t != null) {
                    t.cancel(false);
                }
            }
        }
    }

    /**
     * The high watermark the followers' log ends allow, or -1 when a member's position is not yet known
     * in this epoch. The members that bound it are the maximal ISR: the ISR and, while a change is pending, its
     * target too. Walked as the two lists, without building their union: this runs on every follower fetch and
     * every wake-up of a parked one (a member in both lists only takes the same minimum twice).
     */
    long computeHighWatermark() {
        long hw = Math.min(log.logEndOffset(), lowestLogEnd(isr));
        List<Integer> pending = pendingIsr;
        return pending == null || hw < 0 ? hw : Math.min(hw, lowestLogEnd(pending));
    }

    /** The lowest log end among these members but this node, or -1 when one of them has none known yet. */
    private long lowestLogEnd(List<Integer> members) {
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < members.size(); i++) {
            int member = members.get(i);
            if (member == self) {
                continue;
            }
            FollowerState f = followers.get(member);
            if (f == null || f.logEndOffset < 0) {
                return -1;
            }
            lowest = Math.min(lowest, f.logEndOffset);
        }
        return lowest;
    }

    synchronized void addWaiting(DelayedAck ack) {
        waiting.computeIfAbsent(ack.requiredOffset, k -> new ArrayList<>(2)).add(ack);
    }

    synchronized void removeWaiting(DelayedAck ack) {
        List<DelayedAck> list = waiting.get(ack.requiredOffset);
        if (list != null && list.remove(ack) && list.isEmpty()) {
            waiting.remove(ack.requiredOffset);
        }
    }

    /** Completes the acks the high watermark {@code hw} covers (Kafka's check: enough replicas in sync now). */
    void completeUpTo(long hw) {
        List<DelayedAck> done = new ArrayList<>();
        synchronized (this) {
            var head = waiting.headMap(hw, true);
            head.values().forEach(done::addAll);
            head.clear();
        }
        int inSync = isr.size();
        for (DelayedAck ack : done) {
            ack.complete(inSync >= effectiveMinIsr(ack.minInsyncReplicas) ? Errors.NONE
                    : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        }
    }

    /** Answers every waiting ack with {@code error} (leadership lost). */
    void failWaiting(Errors error) {
        List<DelayedAck> all = new ArrayList<>();
        synchronized (this) {
            waiting.values().forEach(all::addAll);
            waiting.clear();
        }
        all.forEach(ack -> ack.complete(error));
    }
}
