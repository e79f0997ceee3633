package io.dlog.compat.fault;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a fault run's {@link History} against what Kafka promises an idempotent, acks=all producer and a
 * read_uncommitted consumer of a partition (every value is sent once, so each must appear at most once):
 *
 * <ul>
 *   <li>{@link Kind#LOST}: a value that was acknowledged, or that a consumer read (it was below the high watermark,
 *       hence committed), is missing from the final read from the beginning;</li>
 *   <li>{@link Kind#DUPLICATE}: one value at two offsets (counting the acknowledged offset as an observation);</li>
 *   <li>{@link Kind#OFFSET_CONFLICT}: one offset of a partition seen with two values (by acks, polls or the final read);</li>
 *   <li>{@link Kind#FAILED_READ}: a read of a value whose send failed definitively (or whose transaction was never
 *       committed);</li>
 *   <li>{@link Kind#PHANTOM_READ}: a read of a value nobody sent (or sent to another partition);</li>
 *   <li>{@link Kind#NON_MONOTONIC}: offsets of one partition not strictly increasing within one poll (or the final read),
 *       or from one poll to the next of the same consumer (Jepsen's nonmonotonic-poll);</li>
 *   <li>{@link Kind#POLL_SKIP}: a consumer passed over a record of the final read: its reads of a partition, from its
 *       first poll on, are not one run of consecutive final-read records (Jepsen's poll-skip);</li>
 *   <li>{@link Kind#REORDERED}: one producer's sends to one partition acknowledged at offsets in another order than
 *       it sent them (Jepsen's nonmonotonic-send; Kafka keeps an idempotent producer's order);</li>
 *   <li>{@link Kind#PARTIAL_TRANSACTION}: some values of one transaction in the final read, others not (a transaction
 *       is committed whole or aborted whole, whatever its producer saw).</li>
 * </ul>
 *
 * For transactional producers and read_committed consumers the same rules hold with FAIL meaning "never
 * committed": a read of such a value is an aborted read, reported as {@link Kind#FAILED_READ}.
 *
 * A process name is one client instance: the workload gives a restarted producer or consumer a new name, and a
 * consumer starts at the beginning of every partition it is assigned ({@code seekToBeginning}), so its first read
 * of a partition must be the final read's first record. A group consumer (one with JOIN ops) takes a new name at
 * each assignment and starts a partition at the group's committed offset instead, so for it:
 *
 * <ul>
 *   <li>{@link Kind#LOST_COMMIT}: its first read of a partition is below an offset whose commit returned before the
 *       assignment (an acknowledged offset commit lost, or the committed offset not used);</li>
 *   <li>{@link Kind#POLL_SKIP} also counts a record of the final read below the highest offset the group's members
 *       read that none of them read (the group's committed offset passed over it).</li>
 * </ul>
 *
 * <p>Values whose outcome is unknown (INFO) may or may not appear, but at most once. A partition that has sends but
 * no final read loses every acknowledged value: what was not read back is not proven kept. Pure: no I/O, no
 * clock, no state between calls.
 */
public final class HistoryChecker {
    public enum Kind {
        LOST, DUPLICATE, OFFSET_CONFLICT, FAILED_READ, PHANTOM_READ, NON_MONOTONIC, POLL_SKIP, REORDERED, LOST_COMMIT,
        PARTIAL_TRANSACTION
    }

    /** One violation, with the values and offsets that locate it in the history. */
    public record Anomaly(Kind kind, String description, Set<String> values, Map<Integer, Set<Long>> offsets) {
    }

    private record Position(int partition, long offset) {
    }

    /** One client instance's ops on one partition. */
    private record Stream(String process, int partition) {
    }

    private HistoryChecker() {
    }

    public static Result check(List<Op> ops) {
        Map<String, Integer> sentTo = new HashMap<>();
        Map<String, Op> acked = new LinkedHashMap<>();
        Set<String> failed = new HashSet<>();
        Set<String> polled = new LinkedHashSet<>();
        Map<Integer, Set<String>> finalValues = new TreeMap<>();
        Map<Position, Map<String, Long>> valuesAt = new TreeMap<>(
                (a, b) -> a.partition != b.partition ? Integer.compare(a.partition, b.partition) : Long.compare(a.offset, b.offset));
        Map<String, Set<Position>> positionsOf = new LinkedHashMap<>();
        Map<String, List<String>> transactions = new LinkedHashMap<>();
        Map<Stream, List<String>> sendOrder = new LinkedHashMap<>();
        Map<Stream, List<Op>> polls = new LinkedHashMap<>();
        Map<Integer, List<Op.Read>> finalReads = new TreeMap<>();
        Map<Stream, Op> joins = new HashMap<>();
        Map<Integer, List<Op>> commits = new HashMap<>();
        List<Anomaly> anomalies = new ArrayList<>();
        for (Op op : ops) {
            switch (op.type()) {
                case SEND -> {
                    sentTo.put(op.value(), op.partition());
                    sendOrder.computeIfAbsent(new Stream(op.process(), op.partition()), k -> new ArrayList<>()).add(op.value());
                    if (op.transaction() != null) {
                        transactions.computeIfAbsent(op.transaction(), t -> new ArrayList<>()).add(op.value());
                    }
                }
                case ACK -> {
                    acked.put(op.value(), op);
                    observe(valuesAt, positionsOf, new Position(op.partition(), op.offset()), op.value(), op.index());
                }
                case FAIL -> failed.add(op.value());
                case POLL, FINAL -> {
                    if (op.type() == Op.Type.FINAL) {
                        checkMonotonic(op, anomalies);
                        finalReads.put(op.partition(), op.records());
                    } else {
                        polls.computeIfAbsent(new Stream(op.process(), op.partition()), k -> new ArrayList<>()).add(op);
                    }
                    for (Op.Read read : op.records()) {
                        observe(valuesAt, positionsOf, new Position(op.partition(), read.offset()), read.value(), op.index());
                        if (op.type() == Op.Type.POLL) {
                            polled.add(read.value());
                        } else {
                            finalValues.computeIfAbsent(op.partition(), p -> new HashSet<>()).add(read.value());
                        }
                        Integer sent = sentTo.get(read.value());
                        if (sent == null || sent != op.partition()) {
                            anomalies.add(new Anomaly(Kind.PHANTOM_READ, read.value() + " read at p" + op.partition() + "@"
                                    + read.offset() + " by op " + op.index() + (sent == null ? ", never sent"
                                    : ", sent to p" + sent), Set.of(read.value()), Map.of(op.partition(), Set.of(read.offset()))));
                        }
                    }
                }
                case JOIN -> joins.putIfAbsent(new Stream(op.process(), op.partition()), op);
                case COMMIT -> commits.computeIfAbsent(op.partition(), p -> new ArrayList<>()).add(op);
                case INFO, NEMESIS, NOTE -> {
                    // an unknown outcome constrains nothing by itself; the nemesis only gives context
                }
                default -> throw new IllegalStateException("unknown op type " + op.type());
            }
        }
        checkLost(sentTo, acked, polled, finalValues, anomalies);
        checkFailedReads(failed, positionsOf, anomalies);
        checkConflicts(valuesAt, positionsOf, anomalies);
        checkTransactions(transactions, sentTo, finalValues, anomalies);
        Set<String> members = new HashSet<>();
        joins.keySet().forEach(stream -> members.add(stream.process()));
        checkPollOrder(polls, finalReads, members, joins, commits, anomalies);
        checkGroupCoverage(polls, finalReads, members, anomalies);
        checkSendOrder(sendOrder, acked, anomalies);
        return new Result(anomalies, acked.size(), failed.size(), ops.stream().filter(op -> op.type() == Op.Type.INFO).count());
    }

    private static void observe(Map<Position, Map<String, Long>> valuesAt, Map<String, Set<Position>> positionsOf,
                                Position position, String value, long opIndex) {
        valuesAt.computeIfAbsent(position, p -> new LinkedHashMap<>()).putIfAbsent(value, opIndex);
        positionsOf.computeIfAbsent(value, v -> new LinkedHashSet<>()).add(position);
    }

    private static void checkMonotonic(Op op, List<Anomaly> anomalies) {
        long previous = -1;
        for (Op.Read read : op.records()) {
            if (read.offset() <= previous) {
                anomalies.add(new Anomaly(Kind.NON_MONOTONIC, "op " + op.index() + " (" + op.type() + " p" + op.partition()
                        + ") read offset " + read.offset() + " after " + previous, Set.of(read.value()),
                        Map.of(op.partition(), new TreeSet<>(List.of(previous, read.offset())))));
                return;
            }
            previous = read.offset();
        }
    }

    /**
     * Each consumer's reads of a partition, poll after poll, must go forward one final-read record at a time: a read
     * at or below the one before is NON_MONOTONIC, and final-read records passed over between two reads are a
     * POLL_SKIP. An assigned consumer starts at the beginning, so records before its first read are skipped too; a
     * group member starts at the committed offset, which must not be below one committed before it joined
     * (LOST_COMMIT). Reads of values the final read lacks are LOST and checked no further here; a partition without
     * a final read has already lost everything. At most one of each kind per poll.
     */
    private static void checkPollOrder(Map<Stream, List<Op>> polls, Map<Integer, List<Op.Read>> finalReads,
                                       Set<String> members, Map<Stream, Op> joins, Map<Integer, List<Op>> commits,
                                       List<Anomaly> anomalies) {
        for (Map.Entry<Stream, List<Op>> entry : polls.entrySet()) {
            Stream stream = entry.getKey();
            List<Op.Read> finalRead = finalReads.get(stream.partition());
            if (finalRead == null) {
                continue;
            }
            TreeMap<Long, String> stored = new TreeMap<>();
            finalRead.forEach(read -> stored.put(read.offset(), read.value()));
            boolean member = members.contains(stream.process());
            Op.Read previous = null;
            for (Op poll : entry.getValue()) {
                boolean backwards = false;
                boolean skipped = false;
                for (Op.Read read : poll.records()) {
                    if (previous == null && member) {
                        checkStartAtCommitted(stream, poll, read, joins.get(stream), commits, anomalies);
                    } else if (previous != null && read.offset() <= previous.offset()) {
                        if (!backwards) {
                            backwards = true;
                            anomalies.add(new Anomaly(Kind.NON_MONOTONIC, stream.process() + " read p" + poll.partition()
                                    + "@" + read.offset() + " after p" + poll.partition() + "@" + previous.offset() + " (op "
                                    + poll.index() + ")", new LinkedHashSet<>(List.of(read.value(), previous.value())),
                                    Map.of(poll.partition(), new TreeSet<>(List.of(previous.offset(), read.offset())))));
                        }
                    } else if (!skipped && stored.containsKey(read.offset())) {
                        Map<Long, String> passed = previous == null ? stored.headMap(read.offset(), false)
                                : stored.subMap(previous.offset(), false, read.offset(), false);
                        if (!passed.isEmpty()) {
                            skipped = true;
                            Set<Long> offsets = new TreeSet<>(passed.keySet());
                            offsets.add(read.offset());
                            anomalies.add(new Anomaly(Kind.POLL_SKIP, stream.process() + " read p" + poll.partition()
                                    + "@" + read.offset() + (previous == null ? " first" : " after p" + poll.partition() + "@"
                                    + previous.offset()) + " (op " + poll.index() + "), passing over " + passed.size()
                                    + " stored record(s) " + firstFew(passed), new LinkedHashSet<>(passed.values()),
                                    Map.of(poll.partition(), offsets)));
                        }
                    }
                    if (previous == null || read.offset() > previous.offset()) {
                        previous = read;
                    }
                }
            }
        }
    }

    /** A group member's first read of a partition is at or above every offset committed before it was assigned it. */
    private static void checkStartAtCommitted(Stream stream, Op poll, Op.Read first, Op join, Map<Integer, List<Op>> commits,
                                              List<Anomaly> anomalies) {
        if (join == null) {
            return; // read without an assignment recorded for it: nothing known about where it had to start
        }
        Op highest = null;
        for (Op commit : commits.getOrDefault(stream.partition(), List.of())) {
            if (commit.index() < join.index() && (highest == null || commit.offset() > highest.offset())) {
                highest = commit;
            }
        }
        if (highest != null && first.offset() < highest.offset()) {
            anomalies.add(new Anomaly(Kind.LOST_COMMIT, stream.process() + " was assigned p" + stream.partition() + " (op "
                    + join.index() + ") after " + highest.process() + " committed offset " + highest.offset() + " (op "
                    + highest.index() + "), yet first read p" + stream.partition() + "@" + first.offset() + " (op "
                    + poll.index() + ")", Set.of(first.value()),
                    Map.of(stream.partition(), new TreeSet<>(List.of(first.offset(), highest.offset())))));
        }
    }

    /**
     * Below the highest offset any group member read in a partition, every final-read record was read by some
     * member: members start where the group committed, and a commit only covers what its member read.
     */
    private static void checkGroupCoverage(Map<Stream, List<Op>> polls, Map<Integer, List<Op.Read>> finalReads,
                                           Set<String> members, List<Anomaly> anomalies) {
        Map<Integer, Set<Long>> readByGroup = new TreeMap<>();
        for (Map.Entry<Stream, List<Op>> entry : polls.entrySet()) {
            if (members.contains(entry.getKey().process())) {
                Set<Long> offsets = readByGroup.computeIfAbsent(entry.getKey().partition(), p -> new HashSet<>());
                entry.getValue().forEach(poll -> poll.records().forEach(read -> offsets.add(read.offset())));
            }
        }
        for (Map.Entry<Integer, Set<Long>> entry : readByGroup.entrySet()) {
            List<Op.Read> finalRead = finalReads.get(entry.getKey());
            if (finalRead == null || entry.getValue().isEmpty()) {
                continue;
            }
            long highest = entry.getValue().stream().mapToLong(Long::longValue).max().orElseThrow();
            TreeMap<Long, String> unread = new TreeMap<>();
            for (Op.Read read : finalRead) {
                if (read.offset() < highest && !entry.getValue().contains(read.offset())) {
                    unread.put(read.offset(), read.value());
                }
            }
            if (!unread.isEmpty()) {
                anomalies.add(new Anomaly(Kind.POLL_SKIP, "the group's members read p" + entry.getKey() + " up to offset "
                        + highest + " but none read " + unread.size() + " stored record(s) below it " + firstFew(unread),
                        new LinkedHashSet<>(unread.values()), Map.of(entry.getKey(), new TreeSet<>(unread.keySet()))));
            }
        }
    }

    private static String firstFew(Map<Long, String> records) {
        return records.size() <= 6 ? records.toString()
                : records.entrySet().stream().limit(6).toList() + " ...";
    }

    /** Each producer's acknowledged sends to a partition sit at increasing offsets in the order it sent them. */
    private static void checkSendOrder(Map<Stream, List<String>> sendOrder, Map<String, Op> acked, List<Anomaly> anomalies) {
        for (Map.Entry<Stream, List<String>> entry : sendOrder.entrySet()) {
            Op previous = null;
            for (String value : entry.getValue()) {
                Op ack = acked.get(value);
                if (ack == null) {
                    continue;
                }
                if (previous != null && ack.offset() <= previous.offset()) {
                    anomalies.add(new Anomaly(Kind.REORDERED, entry.getKey().process() + " sent " + previous.value() + " before "
                            + value + " to p" + ack.partition() + " but they were acknowledged at offsets " + previous.offset()
                            + " and " + ack.offset(), new LinkedHashSet<>(List.of(previous.value(), value)),
                            Map.of(ack.partition(), new TreeSet<>(List.of(previous.offset(), ack.offset())))));
                }
                previous = ack;
            }
        }
    }

    private static void checkLost(Map<String, Integer> sentTo, Map<String, Op> acked, Set<String> polled,
                                  Map<Integer, Set<String>> finalValues, List<Anomaly> anomalies) {
        Set<String> mustStay = new LinkedHashSet<>(acked.keySet());
        mustStay.addAll(polled);
        for (String value : mustStay) {
            Integer partition = sentTo.get(value);
            if (partition == null) {
                continue; // a phantom, reported as such
            }
            if (!finalValues.getOrDefault(partition, Set.of()).contains(value)) {
                Op ack = acked.get(value);
                String why = ack != null ? "acknowledged at p" + partition + "@" + ack.offset() + " (op " + ack.index() + ")"
                        : "read by a consumer from p" + partition;
                anomalies.add(new Anomaly(Kind.LOST, value + " " + why + ", missing from the final read"
                        + (finalValues.containsKey(partition) ? "" : " (p" + partition + " has no final read)"),
                        Set.of(value), Map.of(partition, ack == null ? Set.of() : Set.of(ack.offset()))));
            }
        }
    }

    /** Each transaction's values are in the final read all together or not at all. */
    private static void checkTransactions(Map<String, List<String>> transactions, Map<String, Integer> sentTo,
                                          Map<Integer, Set<String>> finalValues, List<Anomaly> anomalies) {
        for (Map.Entry<String, List<String>> transaction : transactions.entrySet()) {
            List<String> present = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String value : transaction.getValue()) {
                (finalValues.getOrDefault(sentTo.get(value), Set.of()).contains(value) ? present : missing).add(value);
            }
            if (!present.isEmpty() && !missing.isEmpty()) {
                anomalies.add(new Anomaly(Kind.PARTIAL_TRANSACTION, "transaction " + transaction.getKey()
                        + " partly in the final read: " + present + " there, " + missing + " missing",
                        new LinkedHashSet<>(transaction.getValue()), Map.of()));
            }
        }
    }

    private static void checkFailedReads(Set<String> failed, Map<String, Set<Position>> positionsOf,
                                         List<Anomaly> anomalies) {
        for (String value : failed) {
            Set<Position> seen = positionsOf.get(value);
            if (seen != null) {
                anomalies.add(new Anomaly(Kind.FAILED_READ, value + " failed definitively (or was never committed) but was "
                        + "seen at " + describe(seen), Set.of(value), offsets(seen)));
            }
        }
    }

    private static void checkConflicts(Map<Position, Map<String, Long>> valuesAt, Map<String, Set<Position>> positionsOf,
                                       List<Anomaly> anomalies) {
        for (Map.Entry<Position, Map<String, Long>> entry : valuesAt.entrySet()) {
            if (entry.getValue().size() > 1) {
                Position at = entry.getKey();
                anomalies.add(new Anomaly(Kind.OFFSET_CONFLICT, "p" + at.partition + "@" + at.offset + " seen with values "
                        + entry.getValue().keySet() + " (first seen in ops " + entry.getValue().values() + ")",
                        entry.getValue().keySet(), Map.of(at.partition, Set.of(at.offset))));
            }
        }
        for (Map.Entry<String, Set<Position>> entry : positionsOf.entrySet()) {
            if (entry.getValue().size() > 1) {
                anomalies.add(new Anomaly(Kind.DUPLICATE, entry.getKey() + " seen at " + describe(entry.getValue()),
                        Set.of(entry.getKey()), offsets(entry.getValue())));
            }
        }
    }

    private static String describe(Collection<Position> positions) {
        return positions.stream().map(p -> "p" + p.partition + "@" + p.offset).toList().toString();
    }

    private static Map<Integer, Set<Long>> offsets(Collection<Position> positions) {
        Map<Integer, Set<Long>> offsets = new TreeMap<>();
        positions.forEach(p -> offsets.computeIfAbsent(p.partition, k -> new TreeSet<>()).add(p.offset));
        return offsets;
    }

    /** What {@link #check} found: the anomalies, counted per kind, and the history slice around each. */
    public record Result(List<Anomaly> anomalies, int acknowledged, int failed, long unknown) {
        public Result {
            anomalies = List.copyOf(anomalies);
        }

        public Map<Kind, Integer> counts() {
            Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                counts.put(kind, 0);
            }
            anomalies.forEach(a -> counts.merge(a.kind(), 1, Integer::sum));
            return counts;
        }

        public boolean valid() {
            return anomalies.isEmpty();
        }

        public String summary() {
            return "acknowledged " + acknowledged + ", failed " + failed + ", unknown " + unknown + "; " + counts();
        }

        /**
         * The summary, then for each anomaly (up to {@code maxAnomalies}) its description and the ops that
         * mention its values or offsets, with every nemesis op for context; long reads are cut to the records
         * near the offsets in question.
         */
        public String report(List<Op> ops, int maxAnomalies) {
            StringBuilder text = new StringBuilder(summary()).append('\n');
            int shown = 0;
            for (Anomaly anomaly : anomalies) {
                if (shown++ == maxAnomalies) {
                    text.append("... and ").append(anomalies.size() - maxAnomalies).append(" more anomalies\n");
                    break;
                }
                text.append("== ").append(anomaly.kind()).append(": ").append(anomaly.description()).append('\n');
                for (Op op : ops) {
                    if (op.type() == Op.Type.NEMESIS || relevant(op, anomaly)) {
                        text.append("   ").append(excerpt(op, anomaly)).append('\n');
                    }
                }
            }
            return text.toString();
        }

        /** An op mentioning the anomaly's values or offsets, or the final read of its partition. */
        private static boolean relevant(Op op, Anomaly anomaly) {
            if (op.type() == Op.Type.FINAL && anomaly.offsets().containsKey(op.partition())) {
                return true;
            }
            if (anomaly.values().stream().anyMatch(op::mentions)) {
                return true;
            }
            Set<Long> offsets = anomaly.offsets().getOrDefault(op.partition(), Set.of());
            return offsets.stream().anyMatch(offset -> op.mentions(op.partition(), offset));
        }

        /** A read of many records shows only those within 3 offsets of the anomaly's, or carrying its values. */
        private static String excerpt(Op op, Anomaly anomaly) {
            if (op.records().size() <= 12) {
                return op.toString();
            }
            Set<Long> offsets = anomaly.offsets().getOrDefault(op.partition(), Set.of());
            List<Op.Read> near = op.records().stream()
                    .filter(read -> anomaly.values().contains(read.value())
                            || offsets.stream().anyMatch(offset -> Math.abs(read.offset() - offset) <= 3))
                    .toList();
            Op cut = new Op(op.index(), op.nanos(), op.process(), op.type(), op.partition(), op.value(), op.offset(),
                    List.of(), op.records().size() + " records, showing " + near.size() + " near the anomaly: " + near);
            return cut.toString();
        }
    }
}
