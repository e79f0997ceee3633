package io.dlog.cluster.internal;

import io.dlog.cluster.MetadataQuorum.ObserverState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the metadata leader knows of the group's observers (broker-only nodes), for DescribeQuorum's observer list as
 * Kafka's leader keeps one: each observer's applied index, when it last asked for the image and when it last asked
 * while holding the latest one. Observers name themselves in their image query ({@link #QUERY_LENGTH} bytes); an
 * older observer's anonymous query is answered but not tracked. An observer not heard from for
 * {@link #FORGET_AFTER_MS} ms is dropped, as Kafka's leader drops observers after five minutes.
 *
 * <p>Also the observer section of the leader's describe answer: appended after the voters, where a decoder of an
 * older version stops reading, and absent from an older leader's answer.
 *
 * <p>Thread-safe: polls are recorded from Ratis's query threads while a describe reads them.
 */
final class ObserverTracker {
    /** [QUERY_IMAGE, applied version (8 bytes), observer node id (4 bytes)]. */
    static final int QUERY_LENGTH = 13;
    /** The anonymous query of observers before 2026-12-04: [QUERY_IMAGE, applied version]. */
    static final int ANONYMOUS_QUERY_LENGTH = 9;
    static final long FORGET_AFTER_MS = 300_000;

    /** @param appliedIndex the index the observer's image stands for */
    private record Seen(long appliedIndex, long lastContactMs, long lastCaughtUpMs) {
    }

    private final Map<Integer, Seen> observers = new ConcurrentHashMap<>();

    /** An image query: version and node id, in the {@link #QUERY_LENGTH}-byte form. */
    static byte[] query(long knownVersion, int nodeId) {
        return ByteBuffer.allocate(QUERY_LENGTH).put(RatisMetadataQuorum.QUERY_IMAGE).putLong(knownVersion).putInt(nodeId)
                .array();
    }

    /** The query as an observer of an older version sends it. */
    static byte[] anonymousQuery(long knownVersion) {
        return ByteBuffer.allocate(ANONYMOUS_QUERY_LENGTH).put(RatisMetadataQuorum.QUERY_IMAGE).putLong(knownVersion).array();
    }

    /** Whether {@code request} is an image query of either form. */
    static boolean isImageQuery(byte[] request) {
        return (request.length == QUERY_LENGTH || request.length == ANONYMOUS_QUERY_LENGTH)
                && request[0] == RatisMetadataQuorum.QUERY_IMAGE;
    }

    /** The version an image query says its sender holds. */
    static long knownVersion(byte[] request) {
        return ByteBuffer.wrap(request, 1, 8).getLong();
    }

    /**
     * Records an image query (an anonymous one is not tracked) against the leader's current image version and
     * applied index. An observer holding the current image is as far as the leader's applied index: the log entries
     * after the image's own (a new term's first entry, a configuration) change no image.
     */
    void onQuery(byte[] request, long currentVersion, long leaderAppliedIndex, long nowMs) {
        if (request.length != QUERY_LENGTH) {
            return;
        }
        int nodeId = ByteBuffer.wrap(request, 9, 4).getInt();
        long known = knownVersion(request);
        boolean caughtUp = known >= currentVersion;
        long position = caughtUp ? Math.max(known, leaderAppliedIndex) : known;
        observers.compute(nodeId, (id, before) -> new Seen(position, nowMs,
                caughtUp ? nowMs : before == null ? -1 : before.lastCaughtUpMs()));
    }

    /** The observers heard from within {@link #FORGET_AFTER_MS}, by node id; forgets the others. */
    List<ObserverState> observers(long nowMs) {
        observers.values().removeIf(seen -> nowMs - seen.lastContactMs() > FORGET_AFTER_MS);
        List<ObserverState> out = new ArrayList<>();
        new TreeMap<>(observers).forEach((id, seen) -> out.add(new ObserverState(id, seen.appliedIndex(),
                nowMs - seen.lastContactMs(), seen.lastCaughtUpMs() < 0 ? -1 : nowMs - seen.lastCaughtUpMs())));
        return out;
    }

    /** The observer section of a describe answer: count, then id, applied index, ms since contact, ms since caught up. */
    static void write(ByteBuffer out, List<ObserverState> observers) {
        out.putInt(observers.size());
        for (ObserverState o : observers) {
            out.putInt(o.nodeId()).putLong(o.appliedIndex()).putLong(o.lastContactMs()).putLong(o.lastCaughtUpMs());
        }
    }

    static int sectionBytes(int count) {
        return 4 + 28 * count;
    }

    /** Reads the observer section, or none when the answer ends before it (an older leader's). */
    static List<ObserverState> read(ByteBuffer in) {
        if (in.remaining() < 4) {
            return List.of();
        }
        int n = in.getInt();
        List<ObserverState> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new ObserverState(in.getInt(), in.getLong(), in.getLong(), in.getLong()));
        }
        return out;
    }
}
