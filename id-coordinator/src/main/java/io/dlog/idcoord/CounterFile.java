package io.dlog.idcoord;

import java.io.Closeable;
import java.io.IOException;

/**
 * The storage seam under {@link SparseAppendCounter}: a file whose length is the counter. Tests
 * substitute an in-memory or faulty implementation.
 */
interface CounterFile extends Closeable {
    /** The file's current length (possibly not yet durable). */
    long size() throws IOException;

    /** Grows the file to {@code length} without allocating data blocks; never called to shrink. */
    void extendTo(long length) throws IOException;

    /** Makes the current length durable. */
    void force() throws IOException;
}
