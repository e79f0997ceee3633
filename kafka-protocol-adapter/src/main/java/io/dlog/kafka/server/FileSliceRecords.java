package io.dlog.kafka.server;

import io.dlog.log.FetchSlice;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Record batches that stay in a segment file until the socket takes them: the response encoder turns
 * this into a Netty {@code DefaultFileRegion} (zero-copy {@code transferTo}) instead of copying bytes.
 */
public final class FileSliceRecords implements BaseRecords {
    private final FetchSlice slice;

    public FileSliceRecords(FetchSlice slice) {
        this.slice = slice;
    }

    FetchSlice slice() {
        return slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.length();
    }

    /** Kafka's own network layer is never used here; the Netty encoder sends the region itself. */
    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("sent as a Netty FileRegion by ResponseEncoder");
    }
}
