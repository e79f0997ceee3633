package io.dlog.log;

import java.io.IOException;

/**
 * Told when a partition log goes offline after an I/O error on the data folder (a full or failing disk), from then on
 * refusing appends, or when the folder takes no new partition ({@link LogManager#reportStorageFailure}). The broker
 * decides what the node does about it (docs/reliability.md, "A full or failing data folder"). Called on the thread
 * that met the error (a writer thread, an appender running inline, the metadata applier), possibly more than once
 * for a partition: implementations must act once, return at once and not block.
 */
@FunctionalInterface
public interface StorageFailureListener {
    /** Nobody listens: the partition just stays offline. */
    StorageFailureListener NONE = (tp, cause) -> {
    };

    void onStorageFailure(TopicPartition tp, IOException cause);
}
