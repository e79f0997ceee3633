package io.dlog.compat.fault;

import java.util.List;

/**
 * One entry of a {@link History}: what a client (or the nemesis) did or saw, in the order the history recorded it.
 *
 * <ul>
 *   <li>{@link Type#SEND}: a producer handed {@code value} for {@code partition} to its client library ({@code detail}
 *       names its transaction, {@link #TRANSACTION} and a name, when it was sent in one);</li>
 *   <li>{@link Type#ACK}: the broker acknowledged {@code value} at {@code offset} (acks=all);</li>
 *   <li>{@link Type#FAIL}: the send failed in a way that proves it was not written, or its transaction was never
 *       committed (no read_committed reader may see it);</li>
 *   <li>{@link Type#INFO}: the send's outcome is unknown (a timeout, a lost connection): it may or may not be in the log;</li>
 *   <li>{@link Type#POLL}: a consumer's poll returned {@code records} of {@code partition}, in the order returned;</li>
 *   <li>{@link Type#FINAL}: the read from the beginning after the cluster healed returned {@code records};</li>
 *   <li>{@link Type#JOIN}: a group consumer was assigned {@code partition} (by a rebalance); it reads it from the
 *       group's committed offset on, and the process name is new for each assignment;</li>
 *   <li>{@link Type#COMMIT}: a group consumer's {@code commitSync} of {@code offset} (its position) for {@code partition}
 *       returned;</li>
 *   <li>{@link Type#NEMESIS}: a fault was injected or healed ({@code detail} says which);</li>
 *   <li>{@link Type#NOTE}: a client noticed something worth reading beside the ops (a restarted consumer).</li>
 * </ul>
 *
 * @param index     position in the history (0-based)
 * @param nanos     when it was recorded, relative to the history's start
 * @param process   who did it (a producer, a consumer, the nemesis)
 * @param offset    the acknowledged offset for ACK, -1 otherwise
 * @param records   for POLL and FINAL: the (offset, value) pairs read, in order; empty otherwise
 */
public record Op(long index, long nanos, String process, Type type, int partition, String value, long offset,
                 List<Read> records, String detail) {
    public enum Type { SEND, ACK, FAIL, INFO, POLL, FINAL, JOIN, COMMIT, NEMESIS, NOTE }

    /** How a SEND's detail starts when the value was sent in a transaction; the transaction's name follows. */
    public static final String TRANSACTION = "txn ";

    /** One record a consumer read. */
    public record Read(long offset, String value) {
        @Override
        public String toString() {
            return offset + "=" + value;
        }
    }

    public Op {
        records = List.copyOf(records);
        detail = detail == null ? "" : detail;
    }

    /** The transaction a SEND belongs to, or null. */
    public String transaction() {
        return type == Type.SEND && detail.startsWith(TRANSACTION) ? detail.substring(TRANSACTION.length()) : null;
    }

    public boolean mentions(String someValue) {
        return someValue.equals(value) || records.stream().anyMatch(read -> read.value().equals(someValue));
    }

    public boolean mentions(int somePartition, long someOffset) {
        if (type == Type.NEMESIS || type == Type.NOTE || partition != somePartition) {
            return false;
        }
        return offset == someOffset || records.stream().anyMatch(read -> read.offset() == someOffset);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        text.append(String.format("%6d %9.3fs %-12s %-7s", index, nanos / 1e9, process, type));
        if (type == Type.NEMESIS || type == Type.NOTE) {
            return text.append(' ').append(detail).toString();
        }
        text.append(" p").append(partition);
        if (value != null) {
            text.append(' ').append(value);
        }
        if (offset >= 0) {
            text.append(" @").append(offset);
        }
        if (!records.isEmpty()) {
            text.append(' ').append(records.size() <= 12 ? records.toString()
                    : records.subList(0, 6) + " ... " + records.subList(records.size() - 6, records.size())
                            + " (" + records.size() + " records)");
        }
        if (!detail.isEmpty()) {
            text.append(" (").append(detail).append(')');
        }
        return text.toString();
    }
}
