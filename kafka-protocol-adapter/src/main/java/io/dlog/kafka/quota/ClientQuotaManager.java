package io.dlog.kafka.quota;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dlog.log.metadata.ClientQuotasImage;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One kind of client quota (produce or fetch bytes, request time), measured and enforced per broker as
 * Kafka's {@code ClientQuotaManager}: each request's cost is recorded against its quota entity's rate
 * ({@link RateWindows}: {@code quota.window.num} windows of {@code quota.window.size.seconds}); when
 * the rate is over the bound the request earns a throttle time of
 * {@code (rate - bound) / bound * window}, at most {@code quota.window.num * quota.window.size.seconds}
 * for the byte rates and one window for request time (Kafka's {@code ClientRequestQuotaManager}).
 *
 * <p>Thread-safe (see the package contract). A quota entity's rate is forgotten after an hour without
 * requests (Kafka's inactive sensor expiry), and at most {@value #MAX_ENTITIES} are kept.
 */
public final class ClientQuotaManager {
    static final int MAX_ENTITIES = 100_000;

    private final QuotaResolver resolver;
    private final int samples;
    private final long windowMs;
    private final Supplier<ClientQuotasImage> quotas;
    private final LongSupplier clockMs;
    private final long maxThrottleTimeMs;
    private final Cache<QuotaResolver.Tags, RateWindows> rates = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofHours(1)).maximumSize(MAX_ENTITIES).build();

    /**
     * @param key           the quota key this manager enforces ({@link QuotaKeys#PRODUCER_BYTE_RATE} ...)
     * @param samples       quota.window.num
     * @param windowSeconds quota.window.size.seconds
     * @param quotas        the client quotas of the current cluster image
     * @param clockMs       wall-clock milliseconds
     */
    public ClientQuotaManager(String key, int samples, int windowSeconds, Supplier<ClientQuotasImage> quotas,
                              LongSupplier clockMs) {
        this.resolver = new QuotaResolver(key);
        this.samples = samples;
        this.windowMs = windowSeconds * 1000L;
        this.quotas = quotas;
        this.clockMs = clockMs;
        // Kafka bounds a request-time throttle by one window: a client over it is held back for a second
        // at most per request, and its handler time keeps being measured.
        this.maxThrottleTimeMs = QuotaKeys.REQUEST_PERCENTAGE.equals(key) ? windowMs : samples * windowMs;
        new RateWindows(samples, windowMs); // fails fast on bad settings
    }

    /** The longest throttle time a request may earn. */
    public long maxThrottleTimeMs() {
        return maxThrottleTimeMs;
    }

    /** Whether some entity has a quota of this kind: without one Kafka measures nothing. */
    public boolean enabled() {
        return resolver.enabled(quotas.get());
    }

    /**
     * Records {@code value} for the pair without throttling this request (Kafka's recordNoThrottle: the
     * network threads' time for a response, counted once it is sent), so later requests pay for it.
     */
    public void record(String user, String clientId, double value) {
        QuotaResolver.Resolution resolution = resolver.resolve(quotas.get(), user, clientId);
        if (resolution == null) {
            return;
        }
        RateWindows windows = rates.get(resolution.tags(), tags -> new RateWindows(samples, windowMs));
        synchronized (windows) {
            windows.record(value, clockMs.getAsLong());
        }
    }

    /**
     * Records {@code value} (bytes, or percent-seconds of request time) for the pair and returns the throttle time it earned, 0 when its
     * quota entity is within its bound or has none.
     */
    public int recordAndGetThrottleTimeMs(String user, String clientId, double value) {
        QuotaResolver.Resolution resolution = resolver.resolve(quotas.get(), user, clientId);
        if (resolution == null) {
            return 0;
        }
        RateWindows windows = rates.get(resolution.tags(), tags -> new RateWindows(samples, windowMs));
        long now = clockMs.getAsLong();
        synchronized (windows) {
            windows.record(value, now);
            if (!resolution.bounded()) {
                return 0;
            }
            double rate = windows.ratePerSecond(now);
            double bound = resolution.bound();
            if (rate <= bound) {
                return 0;
            }
            double throttle = bound <= 0 ? Double.POSITIVE_INFINITY : (rate - bound) / bound * windows.windowSizeMs(now);
            return (int) Math.min(Math.round(Math.min(throttle, Long.MAX_VALUE)), maxThrottleTimeMs());
        }
    }

    /** Whether a quota entity of this kind covers the pair at all (when none does, nothing is recorded). */
    public boolean applies(String user, String clientId) {
        return resolver.resolve(quotas.get(), user, clientId) != null;
    }

    /**
     * Takes back a recorded value: a throttled fetch answers without its records, so their bytes were
     * not sent (Kafka's unrecordQuotaSensor).
     */
    public void unrecord(String user, String clientId, double value) {
        QuotaResolver.Resolution resolution = resolver.resolve(quotas.get(), user, clientId);
        if (resolution == null) {
            return;
        }
        RateWindows windows = rates.getIfPresent(resolution.tags());
        if (windows != null) {
            synchronized (windows) {
                windows.record(-value, clockMs.getAsLong());
            }
        }
    }

    /**
     * The most the pair may take within the quota window ({@code bound * (samples - 1) * window}), which
     * caps one fetch's size as on Kafka; {@link Integer#MAX_VALUE} without a bound.
     */
    public int maxValueInQuotaWindow(String user, String clientId) {
        QuotaResolver.Resolution resolution = resolver.resolve(quotas.get(), user, clientId);
        if (resolution == null || !resolution.bounded()) {
            return Integer.MAX_VALUE;
        }
        double max = resolution.bound() * (samples - 1) * (windowMs / 1000.0);
        return (int) Math.max(0, Math.min(max, Integer.MAX_VALUE));
    }
}
