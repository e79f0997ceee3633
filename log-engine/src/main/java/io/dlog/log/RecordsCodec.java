package io.dlog.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The seam through which the log cleaner reads and rewrites compressed record batches: the engine stores
 * batches verbatim and knows no codec, the broker wires in Kafka's (gzip, snappy, lz4, zstd). Codec ids are
 * the RecordBatch v2 attribute values (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
 *
 * <p>Implementations must be thread-safe: every cleaner thread calls them.
 */
public interface RecordsCodec {

    /** Only uncompressed batches: the cleaner keeps compressed batches whole (nothing lost, nothing compacted). */
    RecordsCodec UNCOMPRESSED_ONLY = new RecordsCodec() {
        @Override
        public boolean supports(int codec) {
            return codec == 0;
        }

        @Override
        public ByteBuffer decompress(int codec, ByteBuffer records) {
            throw new UnsupportedOperationException("codec " + codec);
        }

        @Override
        public ByteBuffer compress(int codec, ByteBuffer records) {
            throw new UnsupportedOperationException("codec " + codec);
        }
    };

    boolean supports(int codec);

    /** The records section of a batch (after its 61-byte header), decompressed; position 0, limit = size. */
    ByteBuffer decompress(int codec, ByteBuffer records) throws IOException;

    /** Raw records compressed as a batch's records section; position 0, limit = size. */
    ByteBuffer compress(int codec, ByteBuffer records) throws IOException;
}
