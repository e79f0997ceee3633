package io.dlog.kafka.metrics;

import com.codahale.metrics.EWMA;
import com.codahale.metrics.Meter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A meter whose {@link #mark} is one {@code LongAdder} add: the moving averages are brought up to date
 * when a rate is read (a JMX read or a scrape), from the count's growth since the last read, spread
 * evenly over the 5-second ticks that passed. Dropwizard's own meter reads the clock and updates four
 * adders on every mark; on the produce path, several marks per request, that was most of the metrics'
 * cost. The rates are the same exponentially weighted averages (Dropwizard's {@link EWMA}), with the
 * events of one read interval spread evenly over it.
 *
 * <p>Thread-safety: {@link #mark} from any thread without locks; reads synchronize among themselves.
 */
final class CountingMeter extends Meter {
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Ticks caught up at most per read: enough for the 15-minute average to decay to nothing. */
    private static final long MAX_CATCH_UP_TICKS = 2_000;

    private final LongAdder count = new LongAdder();
    private final EWMA m1 = EWMA.oneMinuteEWMA();
    private final EWMA m5 = EWMA.fiveMinuteEWMA();
    private final EWMA m15 = EWMA.fifteenMinuteEWMA();
    private final long startNanos = System.nanoTime();
    private long lastTickNanos = startNanos; // guarded by this
    private long countAtLastTick; // guarded by this

    @Override
    public void mark() {
        count.increment();
    }

    @Override
    public void mark(long n) {
        count.add(n);
    }

    @Override
    public long getCount() {
        return count.sum();
    }

    @Override
    public double getMeanRate() {
        long events = getCount();
        long elapsed = System.nanoTime() - startNanos;
        return events == 0 || elapsed <= 0 ? 0.0 : events * (double) TimeUnit.SECONDS.toNanos(1) / elapsed;
    }

    @Override
    public double getOneMinuteRate() {
        catchUp();
        return m1.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getFiveMinuteRate() {
        catchUp();
        return m5.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getFifteenMinuteRate() {
        catchUp();
        return m15.getRate(TimeUnit.SECONDS);
    }

    private synchronized void catchUp() {
        long ticks = (System.nanoTime() - lastTickNanos) / TICK_NANOS;
        if (ticks <= 0) {
            return;
        }
        lastTickNanos += ticks * TICK_NANOS;
        long now = count.sum();
        long delta = now - countAtLastTick;
        countAtLastTick = now;
        long replayed = Math.min(ticks, MAX_CATCH_UP_TICKS);
        for (long i = 0; i < replayed; i++) {
            // The interval's events spread over its ticks; the remainder goes to the last one.
            long share = delta / replayed + (i == replayed - 1 ? delta % replayed : 0);
            m1.update(share);
            m5.update(share);
            m15.update(share);
            m1.tick();
            m5.tick();
            m15.tick();
        }
    }
}
