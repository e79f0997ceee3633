package io.dlog.idcoord;

import io.dlog.idcoord.SnowflakeIdGenerator.Layout;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The process {@link CrashRecoveryTest} kills: takes values in a loop and prints each one, after
 * it was returned (so durable), on its own line, unbuffered. The parent checks what it received.
 *
 * <p>Usage: {@code increment <file>}, {@code lease <file> <leaseSize>},
 * {@code snowflake <dir> <nodeId> <clockOffsetMillis>}.
 */
public final class CrashChild {
    /** The layout the snowflake child uses: few sequence bits, so the tick floor moves constantly. */
    static final Layout CRASH_LAYOUT = new Layout(41, 8, 6, Layout.DLOG_EPOCH_MILLIS);

    private CrashChild() {
    }

    public static void main(String[] args) throws IOException {
        LineWriter out = new LineWriter(new FileOutputStream(FileDescriptor.out));
        switch (args[0]) {
            case "increment" -> {
                SparseAppendCounter counter = SparseAppendCounter.open(Path.of(args[1]));
                for (;;) {
                    out.println(counter.increment());
                }
            }
            case "lease" -> {
                LeasedSequence sequence = SparseAppendCounter.open(Path.of(args[1])).sequence(Integer.parseInt(args[2]));
                for (;;) {
                    out.println(sequence.next());
                }
            }
            case "snowflake" -> {
                Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofMillis(Long.parseLong(args[3])));
                SnowflakeIdGenerator generator =
                        SnowflakeIdGenerator.open(Path.of(args[1]), Integer.parseInt(args[2]), clock, CRASH_LAYOUT, 1);
                for (;;) {
                    out.println(generator.nextId());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Writes each value with its own {@code write(2)}, so the parent misses at most the value taken
     * in the instant before the kill, and even an off-by-one repeat after a restart is caught.
     */
    private static final class LineWriter {
        private final OutputStream out;
        private final byte[] buffer = new byte[24];

        LineWriter(OutputStream out) {
            this.out = out;
        }

        void println(long value) throws IOException {
            String digits = Long.toString(value);
            int length = 0;
            for (int i = 0; i < digits.length(); i++) {
                buffer[length++] = (byte) digits.charAt(i);
            }
            buffer[length++] = '\n';
            out.write(buffer, 0, length);
        }
    }
}
