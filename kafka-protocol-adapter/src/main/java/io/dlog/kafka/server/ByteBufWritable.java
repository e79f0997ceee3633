package io.dlog.kafka.server;

import io.dlog.log.FetchSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Kafka's {@link Writable} over Netty buffers. Everything is written into one pooled buffer sized up
 * front, except file-backed records, which become a {@link SegmentFileRegion} between two buffers, or are
 * read into the buffer when the caller asks for that (small records, see {@link ResponseEncoder}).
 * {@link #parts()} hands out the buffers and regions in wire order; the caller writes them all.
 */
final class ByteBufWritable implements Writable {
    private final ByteBufAllocator allocator;
    private final List<Object> parts = new ArrayList<>(3);
    private final boolean copyFileRecords;
    private ByteBuf current;
    private int remainingCapacity;

    /**
     * @param inlineBytes     bytes that will be written into buffers (total minus zero-copy bytes, or the
     *                        total when {@code copyFileRecords})
     * @param copyFileRecords read file-backed records into the buffer instead of sending them as regions
     */
    ByteBufWritable(ByteBufAllocator allocator, int inlineBytes, boolean copyFileRecords) {
        this.allocator = allocator;
        this.copyFileRecords = copyFileRecords;
        this.remainingCapacity = inlineBytes;
        this.current = allocator.directBuffer(inlineBytes);
    }

    List<Object> parts() {
        if (current != null) {
            parts.add(current);
            current = null;
        }
        return parts;
    }

    /** Frees what was built when encoding fails halfway. */
    void discard() {
        for (Object part : parts()) {
            io.netty.util.ReferenceCountUtil.release(part);
        }
        parts.clear();
    }

    @Override
    public void writeByte(byte val) {
        current.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        current.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        current.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        current.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        current.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        current.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int value = i;
        while ((value & 0xffffff80) != 0) {
            current.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte(value);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        current.writeBytes(buf.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long value = (i << 1) ^ (i >> 63);
        while ((value & 0xffffffffffffff80L) != 0L) {
            current.writeByte(((int) value & 0x7f) | 0x80);
            value >>>= 7;
        }
        current.writeByte((int) value);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof FileSliceRecords fileRecords) {
            if (fileRecords.sizeInBytes() == 0) {
                return;
            }
            if (copyFileRecords) {
                copy(fileRecords.slice());
                return;
            }
            remainingCapacity -= current.readableBytes();
            parts.add(current);
            var slice = fileRecords.slice();
            parts.add(new SegmentFileRegion(slice.channel(), slice.position(), slice.length()));
            current = allocator.directBuffer(Math.max(remainingCapacity, 0));
        } else if (records instanceof MemoryRecords memoryRecords) {
            writeByteBuffer(memoryRecords.buffer());
        } else if (records != null) {
            throw new IllegalStateException("unexpected records type " + records.getClass());
        }
    }

    /**
     * Reads the slice's bytes into the buffer. The segment's channel stays open while slices of it may be in
     * flight (see FetchSlice), and a slice holds only bytes already written, so a read that ends early (a
     * closed channel reads as the end too) means the file changed under us: the response fails rather than go
     * out with a hole, as a region's sendfile would fail.
     */
    private void copy(FetchSlice slice) {
        int done = 0;
        try {
            while (done < slice.length()) {
                int read = current.writeBytes(slice.channel(), slice.position() + done, slice.length() - done);
                if (read <= 0) {
                    throw new IllegalStateException("cannot read the last " + (slice.length() - done) + " of "
                            + slice.length() + " record bytes from their segment file (closed, or shorter than read)");
                }
                done += read;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read records for the response", e);
        }
    }
}
