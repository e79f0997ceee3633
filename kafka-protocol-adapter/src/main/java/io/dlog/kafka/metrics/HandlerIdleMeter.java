package io.dlog.kafka.metrics;

import com.codahale.metrics.Meter;
import java.util.concurrent.atomic.LongAdder;

/**
 * Kafka's {@code kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent}: the share
 * of time the request handler threads were idle, as a meter whose rates are fractions between 0 and 1
 * (Kafka marks idle nanoseconds per thread on a meter with a nanosecond rate unit; this meter reports
 * the same numbers through the per-second JMX reporter). Count is the idle nanoseconds per thread so far.
 *
 * <p>In DLog the request handlers run on the Netty event loops ({@code num.network.threads} of them):
 * busy time is what the connections spend calling handlers and encoding and writing responses; idle is
 * the rest of the loops' time (socket reads, TLS and framing count as idle, as Kafka's network threads
 * are not in its handler pool either). The idle share is sampled by {@link #sample}, called every second.
 *
 * <p>Thread-safety: {@link #addBusy} from any thread; {@link #sample} from one thread at a time.
 */
final class HandlerIdleMeter extends Meter {
    private static final double NANOS_PER_SECOND = 1e9;

    private final int threads;
    private final LongAdder busyNanos = new LongAdder();
    private long lastSampleNanos = System.nanoTime();

    HandlerIdleMeter(int threads) {
        this.threads = Math.max(1, threads);
    }

    void addBusy(long nanos) {
        busyNanos.add(nanos);
    }

    /** Marks the idle time per thread since the last sample. */
    synchronized void sample() {
        long now = System.nanoTime();
        long elapsed = now - lastSampleNanos;
        lastSampleNanos = now;
        long busy = busyNanos.sumThenReset();
        long idle = Math.max(0, elapsed * threads - busy) / threads;
        mark(Math.min(idle, elapsed));
    }

    @Override
    public double getMeanRate() {
        return super.getMeanRate() / NANOS_PER_SECOND;
    }

    @Override
    public double getOneMinuteRate() {
        return super.getOneMinuteRate() / NANOS_PER_SECOND;
    }

    @Override
    public double getFiveMinuteRate() {
        return super.getFiveMinuteRate() / NANOS_PER_SECOND;
    }

    @Override
    public double getFifteenMinuteRate() {
        return super.getFifteenMinuteRate() / NANOS_PER_SECOND;
    }
}
