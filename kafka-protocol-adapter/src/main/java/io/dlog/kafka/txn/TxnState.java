package io.dlog.kafka.txn;

import java.util.Locale;

/**
 * Kafka's transaction states, with the ids {@code __transaction_state} stores and the names
 * DescribeTransactions and ListTransactions use.
 */
public enum TxnState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String displayName;

    TxnState(int id, String displayName) {
        this.id = (byte) id;
        this.displayName = displayName;
    }

    public byte id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    static TxnState fromId(byte id) {
        for (TxnState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown transaction state " + id);
    }

    /** By display name, case-insensitively (ListTransactions state filters); null when unknown. */
    static TxnState fromName(String name) {
        for (TxnState s : values()) {
            if (s.displayName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        return null;
    }

    boolean isPrepare() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    boolean isComplete() {
        return this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
