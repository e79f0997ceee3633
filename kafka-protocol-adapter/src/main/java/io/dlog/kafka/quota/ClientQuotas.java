package io.dlog.kafka.quota;

import io.dlog.log.metadata.ClientQuotasImage;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The enforced client quotas of this broker: produce bytes (producer_byte_rate, counted by request
 * size), fetch bytes (consumer_byte_rate, counted by response size) and request time
 * (request_percentage, counted in percent of one thread's time: see {@link RequestTimeQuota}). Thread-safe.
 *
 * @param produce producer_byte_rate
 * @param fetch   consumer_byte_rate
 * @param request request_percentage
 */
public record ClientQuotas(ClientQuotaManager produce, ClientQuotaManager fetch, RequestTimeQuota request) {

    /** The quotas of this broker: its quota.window.* settings, the current image's quotas, its clock. */
    public static ClientQuotas of(io.dlog.kafka.BrokerContext context) {
        return create(context.config().quotaWindowNum(), context.config().quotaWindowSizeSeconds(),
                () -> context.topics().image().security().quotas(), context.clock()::millis);
    }

    public static ClientQuotas create(int samples, int windowSeconds, Supplier<ClientQuotasImage> quotas,
                                      LongSupplier clockMs) {
        return new ClientQuotas(
                new ClientQuotaManager(QuotaKeys.PRODUCER_BYTE_RATE, samples, windowSeconds, quotas, clockMs),
                new ClientQuotaManager(QuotaKeys.CONSUMER_BYTE_RATE, samples, windowSeconds, quotas, clockMs),
                new RequestTimeQuota(new ClientQuotaManager(QuotaKeys.REQUEST_PERCENTAGE, samples, windowSeconds, quotas,
                        clockMs)));
    }
}
