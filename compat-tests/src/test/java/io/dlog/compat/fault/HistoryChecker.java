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
 *   <li>{@link Kind#NON_MONOTONIC}: offsets of one partition not strictly increasing within one poll (or the final read);</li>
 *   <li>{@link Kind#PARTIAL_TRANSACTION}: some values of one transaction in the final read, others not (a transaction
 *       is committed whole or aborted whole, whatever its producer saw).</li>
 * </ul>
 *
 * For transactional producers and read_committed consumers the same rules hold with FAIL meaning "never
 * committed": a read of such a value is an aborted read, reported as {@link Kind#FAILED_READ}.
 *
 * Values whose outcome is unknown (INFO) may or may not appear, but at most once. A partition that has sends but
 * no final read loses every acknowledged value: what was not read back is not proven kept. Pure: no I/O, no
 * clock, no state between calls.
 */
public final class HistoryChecker {
    public enum Kind { LOST, DUPLICATE, OFFSET_CONFLICT, FAILED_READ, PHANTOM_READ, NON_MONOTONIC, PARTIAL_TRANSACTION }

    /** One violation, with the values and offsets that locate it in the history. */
    public record Anomaly(Kind kind, String description, Set<String> values, Map<Integer, Set<Long>> offsets) {
    }

    private record Position(int partition, long offset) {
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
        List<Anomaly> anomalies = new ArrayList<>();
        for (Op op : ops) {
            switch (op.type()) {
                case SEND -> {
                    sentTo.put(op.value(), op.partition());
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
                    checkMonotonic(op, anomalies);
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
