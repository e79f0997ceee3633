package io.dlog.kafka.share;

import io.dlog.kafka.topic.TopicService;
import io.dlog.log.AbortedTransaction;
import io.dlog.log.CommittedRead;
import io.dlog.log.FetchSlice;
import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share-partition leader's half (KIP-932): the {@link SharePartition}s of the topic partitions this node
 * leads, created on first fetch from the persisted state (or from {@code share.auto.offset.reset}), the
 * acquisition of records read from the log, acknowledgements, and the acquisition-lock timer. Every change of
 * delivery state that must survive a restart (acknowledgements, releases, expired locks) is written through the
 * {@link SharePersister} (to this node's store or the state's coordinator elsewhere) before the acknowledgement
 * is answered. The first read of a share-partition's state is asynchronous: fetches answer no records for it
 * until the read is back (they wait in the purgatory, which its completion wakes). The leader epoch given with
 * reads and writes is the partition's in the metadata image, so a replaced leader's writes are fenced.
 *
 * <p>Thread-safety: thread-safe. The maps are concurrent; each share-partition guards itself; reads of the log
 * happen outside any lock; the lock sweep runs on the broker's scheduler.
 */
final class SharePartitionManager {
    private static final Logger LOG = LoggerFactory.getLogger(SharePartitionManager.class);

    /** A group's effective settings (group configs over the broker's defaults). */
    record GroupSettings(int lockDurationMs, int deliveryCountLimit, int maxRecordLocks, String autoOffsetReset,
                         boolean readCommitted) {
    }

    /** What one partition's acquisition produced: the batches to send and the ranges acquired. */
    record Fetched(Errors error, MemoryRecords records, List<SharePartition.Acquired> acquired) {
        static Fetched error(Errors error) {
            return new Fetched(error, MemoryRecords.EMPTY, List.of());
        }

        int count() {
            int n = 0;
            for (SharePartition.Acquired a : acquired) {
                n += (int) (a.lastOffset() - a.firstOffset() + 1);
            }
            return n;
        }
    }

    /** One acknowledgement batch of a request. */
    record Ack(long firstOffset, long lastOffset, List<Byte> types) {
    }

    private final TopicService topics;
    /** Wall time, for share.auto.offset.reset=by_duration only. */
    private final Clock clock;
    private final SharePersister persister;
    private final Function<String, GroupSettings> settings;
    /** Told of a partition whose records became available again (wakes parked fetches). */
    private final Consumer<TopicPartition> onAvailable;
    private final Map<SharePartitionKey, SharePartition> partitions = new ConcurrentHashMap<>();
    /** State reads under way, one per share-partition not yet in {@link #partitions}. */
    private final Map<SharePartitionKey, CompletableFuture<ShareStateStore.Read>> reads = new ConcurrentHashMap<>();

    SharePartitionManager(TopicService topics, Clock clock, SharePersister persister, Function<String, GroupSettings> settings,
                          Consumer<TopicPartition> onAvailable) {
        this.topics = topics;
        this.clock = clock;
        this.persister = persister;
        this.settings = settings;
        this.onAvailable = onAvailable;
    }

    GroupSettings settings(String groupId) {
        return settings.apply(groupId);
    }

    /** The share-partition, loaded or initialized; empty with the error when it cannot be served now. */
    private Optional<SharePartition> partition(SharePartitionKey key, String topic, PartitionLog log, Errors[] error) {
        SharePartition existing = partitions.get(key);
        if (existing != null) {
            return Optional.of(existing);
        }
        CompletableFuture<ShareStateStore.Read> pending = reads.get(key);
        if (pending == null) {
            CompletableFuture<ShareStateStore.Read> started = persister.read(key, leaderEpoch(topic, key.partition()));
            pending = reads.putIfAbsent(key, started);
            if (pending == null) {
                pending = started;
                // The parked fetches of this partition look again once the state is here. A failed read wakes
                // nobody: the fetches wait out their max wait and ask again, rather than spin on a coordinator
                // that is loading.
                started.whenComplete((read, failure) -> {
                    if (read != null && read.error() == Errors.NONE) {
                        onAvailable.accept(new TopicPartition(topic, key.partition()));
                    }
                });
            }
        }
        if (!pending.isDone()) {
            error[0] = Errors.COORDINATOR_LOAD_IN_PROGRESS;
            return Optional.empty();
        }
        reads.remove(key, pending);
        ShareStateStore.Read read = pending.join(); // the persister completes reads normally, errors included
        if (read.error() != Errors.NONE) {
            error[0] = read.error();
            return Optional.empty();
        }
        SharePartition created;
        boolean fresh = read.state() == null;
        if (fresh) {
            long start = initialOffset(settings(key.groupId()).autoOffsetReset(), log);
            created = new SharePartition(key, start, 0, List.of());
        } else {
            created = new SharePartition(key, read.state().startOffset(), read.state().stateEpoch(), read.state().batches());
        }
        SharePartition raced = partitions.putIfAbsent(key, created);
        if (raced != null) {
            return Optional.of(raced);
        }
        if (fresh) {
            persist(created, topic).whenComplete((ok, failure) -> {
                if (failure != null) {
                    LOG.warn("Writing the initial state of {} failed", key, failure);
                }
            });
        }
        return Optional.of(created);
    }

    /** share.auto.offset.reset: latest (the high watermark), earliest (the log start), by_duration:&lt;ISO-8601&gt;. */
    private long initialOffset(String reset, PartitionLog log) {
        if ("earliest".equals(reset)) {
            return log.logStartOffset();
        }
        if (reset != null && reset.startsWith("by_duration:")) {
            try {
                long since = clock.millis() - java.time.Duration.parse(reset.substring("by_duration:".length())).toMillis();
                return log.lookupTimestamp(since).map(found -> firstAtOrAfter(found, since)).orElse(log.highWatermark());
            } catch (IOException | RuntimeException e) {
                LOG.warn("share.auto.offset.reset {} could not be applied; starting at the latest offset", reset, e);
            }
        }
        return log.highWatermark();
    }

    /** The first record of the batch written at or after {@code timestamp} (the batch's end if none). */
    private static long firstAtOrAfter(io.dlog.log.TimestampLookup found, long timestamp) {
        for (RecordBatch batch : MemoryRecords.readableRecords(found.batch().duplicate()).batches()) {
            for (org.apache.kafka.common.record.internal.Record record : batch) {
                if (record.timestamp() >= timestamp) {
                    return record.offset();
                }
            }
        }
        return found.lastOffset() + 1;
    }

    /**
     * Acquires records of one partition for {@code member}: reads from the first available record (or the end
     * of the in-flight window), at most {@code maxBytes} (at least one batch), and acquires up to
     * {@code maxRecords} ({@code strict}: exactly at most, else whole batches).
     */
    Fetched fetch(String member, SharePartitionKey key, String topic, int maxBytes, int maxRecords, boolean strict) {
        Optional<PartitionLog> found = topics.partition(topic, key.partition());
        if (found.isEmpty()) {
            return Fetched.error(topics.notServedError(topic, key.partition()));
        }
        PartitionLog log = found.get();
        Errors[] error = {Errors.NONE};
        Optional<SharePartition> sp = partition(key, topic, log, error);
        if (sp.isEmpty()) {
            // The state is on its way or its coordinator is moving: nothing to hand out yet (the fetch waits and
            // the next one asks again); anything else (a newer leader fenced this one) is the partition's error.
            return retriable(error[0]) ? Fetched.error(Errors.NONE) : Fetched.error(error[0]);
        }
        GroupSettings s = settings(key.groupId());
        SharePartition partition = sp.get();
        partition.onLogStart(log.logStartOffset());
        long maxOffset = s.readCommitted() ? log.lastStableOffset() : log.highWatermark();
        long from = partition.nextReadOffset(maxOffset, s.maxRecordLocks());
        if (from < 0 || maxRecords <= 0) {
            return Fetched.error(Errors.NONE);
        }
        ByteBuffer bytes;
        List<AbortedTransaction> aborted = List.of();
        try {
            FetchSlice slice;
            if (s.readCommitted()) {
                CommittedRead read = log.readCommitted(from, maxBytes, true);
                slice = read.slice();
                aborted = read.aborted();
            } else {
                slice = log.read(from, maxBytes, maxOffset, true);
            }
            bytes = readFully(slice);
        } catch (OffsetOutOfRangeException e) {
            partition.onLogStart(log.logStartOffset());
            return Fetched.error(Errors.NONE);
        } catch (IOException e) {
            return Fetched.error(Errors.KAFKA_STORAGE_ERROR);
        }
        List<RecordBatch> batches = new ArrayList<>();
        List<SharePartition.BatchRange> ranges = new ArrayList<>();
        java.util.Set<Long> abortedBatches = new java.util.HashSet<>();
        for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
            batches.add(batch);
            ranges.add(new SharePartition.BatchRange(batch.baseOffset(), batch.lastOffset(), batch.isControlBatch()));
            if (isAborted(batch, aborted)) {
                abortedBatches.add(batch.baseOffset());
            }
        }
        List<SharePartition.Acquired> acquired = partition.acquire(member, ranges,
                range -> abortedBatches.contains(range.baseOffset()), maxOffset,
                maxRecords, strict, s.maxRecordLocks(), lockClockMs(), s.lockDurationMs(), s.deliveryCountLimit());
        return new Fetched(Errors.NONE, overlapping(batches, acquired), acquired);
    }

    /** A transactional batch inside an aborted transaction of its producer (read_committed skips it). */
    private static boolean isAborted(RecordBatch batch, List<AbortedTransaction> aborted) {
        if (!batch.isTransactional() || batch.isControlBatch()) {
            return false;
        }
        for (AbortedTransaction txn : aborted) {
            if (txn.producerId() == batch.producerId() && batch.baseOffset() >= txn.firstOffset()
                    && batch.lastOffset() <= txn.lastOffset()) {
                return true;
            }
        }
        return false;
    }

    private static MemoryRecords overlapping(List<RecordBatch> batches, List<SharePartition.Acquired> acquired) {
        if (acquired.isEmpty()) {
            return MemoryRecords.EMPTY;
        }
        List<RecordBatch> sent = new ArrayList<>();
        int size = 0;
        for (RecordBatch batch : batches) {
            for (SharePartition.Acquired a : acquired) {
                if (a.firstOffset() <= batch.lastOffset() && a.lastOffset() >= batch.baseOffset()) {
                    sent.add(batch);
                    size += batch.sizeInBytes();
                    break;
                }
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (RecordBatch batch : sent) {
            batch.writeTo(out);
        }
        out.flip();
        return MemoryRecords.readableRecords(out);
    }

    private static ByteBuffer readFully(FetchSlice slice) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(slice.length());
        long position = slice.position();
        while (buffer.hasRemaining()) {
            int read = slice.channel().read(buffer, position);
            if (read < 0) {
                throw new IOException("unexpected end of segment");
            }
            position += read;
        }
        buffer.flip();
        return buffer;
    }

    /**
     * Applies a member's acknowledgement batches to one partition and writes the new state; the future
     * completes with the partition's error once the state is durable.
     */
    CompletableFuture<Errors> acknowledge(String member, SharePartitionKey key, String topic, List<Ack> acks) {
        Optional<PartitionLog> log = topics.partition(topic, key.partition());
        if (log.isEmpty()) {
            return CompletableFuture.completedFuture(topics.notServedError(topic, key.partition()));
        }
        SharePartition partition = partitions.get(key);
        if (partition == null) {
            return CompletableFuture.completedFuture(Errors.INVALID_RECORD_STATE);
        }
        GroupSettings s = settings(key.groupId());
        Errors result = Errors.NONE;
        long now = lockClockMs();
        for (Ack ack : acks) {
            Errors e = partition.acknowledge(member, ack.firstOffset(), ack.lastOffset(), ack.types(), now,
                    s.lockDurationMs(), s.deliveryCountLimit());
            if (e != Errors.NONE && result == Errors.NONE) {
                result = e;
            }
        }
        Errors outcome = result;
        onAvailable.accept(new TopicPartition(topic, key.partition()));
        return persist(partition, topic).handle((ok, failure) -> failure == null ? outcome
                : ShareStateHandlers.errorOf(failure));
    }

    /**
     * The clock of acquisition-lock deadlines: monotonic, as Kafka's lock timer is, so a step of the wall clock
     * (an NTP correction, a resumed VM) neither expires every lock at once nor stretches them.
     */
    private static long lockClockMs() {
        return System.nanoTime() / 1_000_000;
    }

    private static boolean retriable(Errors error) {
        return error == Errors.COORDINATOR_LOAD_IN_PROGRESS || error == Errors.NOT_COORDINATOR
                || error == Errors.COORDINATOR_NOT_AVAILABLE;
    }

    /** The partition's leader epoch in the metadata image (what the state's coordinator fences on). */
    private int leaderEpoch(String topic, int partition) {
        return topics.image().topic(topic).filter(t -> partition < t.partitions())
                .map(t -> Math.max(0, t.state(partition).leaderEpoch())).orElse(0);
    }

    /**
     * Writes the share-partition's state as it is now. A write the coordinator fences (a newer leader read the
     * state, or the group's offsets were reset) drops the in-memory share-partition: the next fetch reads again.
     */
    private CompletableFuture<Void> persist(SharePartition partition, String topic) {
        CompletableFuture<Void> written;
        synchronized (partition) { // one key's snapshots are handed over in the order they were taken
            written = persister.write(partition.key(), partition.stateEpoch(), leaderEpoch(topic, partition.key().partition()),
                    partition.startOffset(), partition.stateBatches());
        }
        written.whenComplete((ok, failure) -> {
            Errors e = failure == null ? Errors.NONE : ShareStateHandlers.errorOf(failure);
            if (e == Errors.FENCED_LEADER_EPOCH || e == Errors.FENCED_STATE_EPOCH) {
                LOG.info("The state of {} was fenced ({}); it is read again", partition.key(), e);
                partitions.remove(partition.key(), partition);
            }
        });
        return written;
    }

    /** Releases what a member holds (it left, was fenced, or closed its share session). */
    void releaseMember(String groupId, String memberId) {
        for (SharePartition partition : partitions.values()) {
            if (partition.key().groupId().equals(groupId)) {
                GroupSettings s = settings(groupId);
                if (partition.releaseMember(memberId, s.deliveryCountLimit())) {
                    changed(partition);
                }
            }
        }
    }

    /** Releases the records whose acquisition lock has run out. Runs on the scheduler. */
    void expireLocks() {
        long now = lockClockMs();
        for (SharePartition partition : partitions.values()) {
            if (partition.expireLocks(now, settings(partition.key().groupId()).deliveryCountLimit())) {
                changed(partition);
            }
        }
    }

    private void changed(SharePartition partition) {
        String topic = topicName(partition.key().topicId());
        if (topic == null) {
            partitions.remove(partition.key());
            return;
        }
        topics.partition(topic, partition.key().partition()).ifPresentOrElse(log -> persist(partition, topic)
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.debug("Writing the state of {} failed", partition.key(), failure);
                    }
                }), () -> partitions.remove(partition.key())); // leadership moved: the new leader reloads it
        onAvailable.accept(new TopicPartition(topic, partition.key().partition()));
    }

    private String topicName(UUID topicId) {
        return topics.image().topic(topicId).map(io.dlog.log.metadata.TopicImage::name).orElse(null);
    }

    /** The share-partitions of a group this node has in memory. */
    List<SharePartition> groupPartitions(String groupId) {
        return partitions.values().stream().filter(p -> p.key().groupId().equals(groupId)).toList();
    }

    /** Whether a member of the group holds records here (then its offsets may not be altered). */
    boolean anyAcquired(String groupId) {
        return groupPartitions(groupId).stream().anyMatch(SharePartition::anyAcquired);
    }

    /** Forgets the in-memory state of a share-partition: the next fetch reads the persisted state again. */
    void forget(SharePartitionKey key) {
        partitions.remove(key);
        reads.remove(key);
    }

    /** Drops share-partitions this node no longer leads (their new leader loads them from the store). */
    void dropUnled() {
        for (SharePartitionKey key : partitions.keySet()) {
            String topic = topicName(key.topicId());
            if (topic == null || topics.partition(topic, key.partition()).isEmpty()) {
                partitions.remove(key);
            }
        }
        reads.forEach((key, read) -> {
            String topic = topicName(key.topicId());
            if (topic == null || topics.partition(topic, key.partition()).isEmpty()) {
                reads.remove(key, read); // read at an epoch this node no longer leads with
            }
        });
    }
}
