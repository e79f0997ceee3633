package io.dlog.kafka.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.QuotaEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Kafka's rate windows, throttle times and entity precedence, on an injected clock. */
class ClientQuotaManagerTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicReference<ClientQuotasImage> image = new AtomicReference<>(ClientQuotasImage.EMPTY);
    private final ClientQuotaManager produce = new ClientQuotaManager(QuotaKeys.PRODUCER_BYTE_RATE, 11, 1, image::get, now::get);

    private static QuotaEntity entity(String... typeAndName) {
        List<QuotaEntity.Part> parts = new ArrayList<>();
        for (int i = 0; i < typeAndName.length; i += 2) {
            parts.add(new QuotaEntity.Part(typeAndName[i], typeAndName[i + 1]));
        }
        return new QuotaEntity(parts);
    }

    private void quotas(Object... entityAndRate) {
        Map<QuotaEntity, Map<String, Double>> entities = new HashMap<>();
        for (int i = 0; i < entityAndRate.length; i += 2) {
            entities.put((QuotaEntity) entityAndRate[i], Map.of(QuotaKeys.PRODUCER_BYTE_RATE, (Double) entityAndRate[i + 1]));
        }
        image.set(new ClientQuotasImage(entities));
    }

    @Test
    void shouldMeasureABurstOverAtLeastTenWindowsAndThrottleByKafkasFormula() {
        RateWindows windows = new RateWindows(11, 1000);
        windows.record(10_000, 0);

        // 10 000 bytes at once: measured over (samples - 1) windows, 1 000 B/s
        assertThat(windows.windowSizeMs(0)).isEqualTo(10_000);
        assertThat(windows.ratePerSecond(0)).isEqualTo(1000.0);

        quotas(entity(QuotaEntity.USER, "u"), 500.0);
        assertThat(produce.recordAndGetThrottleTimeMs("u", "c", 10_000)).isEqualTo(10_000); // (1000-500)/500 * 10 s
        assertThat(produce.recordAndGetThrottleTimeMs("v", "c", 1_000)).isZero(); // no quota for v: measured, not bounded
    }

    @Test
    void shouldStayUnthrottledAtTheRateAndBoundTheThrottleTime() {
        quotas(entity(QuotaEntity.CLIENT_ID, null), 1000.0);
        for (int second = 0; second < 30; second++) {
            assertThat(produce.recordAndGetThrottleTimeMs("any", "c1", 900)).as("second " + second).isZero();
            now.addAndGet(1000);
        }
        assertThat(produce.recordAndGetThrottleTimeMs("any", "c1", 1_000_000_000)).isEqualTo(11_000);
        // a default client-id quota is per client id: another client has its own rate
        assertThat(produce.recordAndGetThrottleTimeMs("any", "c2", 990)).isZero();
    }

    @Test
    void shouldForgetWindowsOlderThanTheWholeSpan() {
        quotas(entity(QuotaEntity.USER, "u"), 100.0);
        assertThat(produce.recordAndGetThrottleTimeMs("u", "c", 5_000)).isPositive();
        now.addAndGet(11_000);
        assertThat(produce.recordAndGetThrottleTimeMs("u", "c", 100)).isZero();
    }

    @Test
    void shouldUnrecordWhatAThrottledResponseDidNotSend() {
        quotas(entity(QuotaEntity.USER, "u"), 100.0);
        assertThat(produce.recordAndGetThrottleTimeMs("u", "c", 5_000)).isPositive();
        produce.unrecord("u", "c", 5_000);
        assertThat(produce.recordAndGetThrottleTimeMs("u", "c", 100)).isZero();
    }

    @Test
    void shouldPickTheMostSpecificEntityAndShareTheRateOfItsPairs() {
        quotas(entity(QuotaEntity.USER, "alice", QuotaEntity.CLIENT_ID, "app"), 1.0,
                entity(QuotaEntity.USER, "alice", QuotaEntity.CLIENT_ID, null), 2.0,
                entity(QuotaEntity.USER, "bob"), 3.0,
                entity(QuotaEntity.USER, null, QuotaEntity.CLIENT_ID, "tool"), 4.0,
                entity(QuotaEntity.USER, null), 5.0,
                entity(QuotaEntity.CLIENT_ID, "legacy"), 6.0,
                entity(QuotaEntity.CLIENT_ID, null), 7.0);
        QuotaResolver resolver = new QuotaResolver(QuotaKeys.PRODUCER_BYTE_RATE);

        assertThat(resolver.resolve(image.get(), "alice", "app")).isEqualTo(resolution("alice", "app", 1.0));
        assertThat(resolver.resolve(image.get(), "alice", "other")).isEqualTo(resolution("alice", "other", 2.0));
        assertThat(resolver.resolve(image.get(), "bob", "app")).isEqualTo(resolution("bob", "", 3.0));
        assertThat(resolver.resolve(image.get(), "carol", "tool")).isEqualTo(resolution("carol", "tool", 4.0));
        assertThat(resolver.resolve(image.get(), "carol", "x")).isEqualTo(resolution("carol", "", 5.0));

        quotas(entity(QuotaEntity.USER, "bob"), 3.0, entity(QuotaEntity.CLIENT_ID, "legacy"), 6.0,
                entity(QuotaEntity.CLIENT_ID, null), 7.0);
        assertThat(resolver.resolve(image.get(), "carol", "legacy")).isEqualTo(resolution("", "legacy", 6.0));
        assertThat(resolver.resolve(image.get(), "carol", "x")).isEqualTo(resolution("", "x", 7.0));
        assertThat(resolver.resolve(image.get(), "bob", "legacy")).isEqualTo(resolution("bob", "", 3.0));

        // only user quotas: every pair is counted by user; an unlisted user has no bound
        quotas(entity(QuotaEntity.USER, "bob"), 3.0);
        assertThat(resolver.resolve(image.get(), "dan", "x")).isEqualTo(resolution("dan", "", Double.NaN));
        image.set(ClientQuotasImage.EMPTY);
        assertThat(resolver.resolve(image.get(), "dan", "x")).isNull();
    }

    @Test
    void shouldCapAFetchAtWhatTheQuotaWindowAllows() {
        quotas(entity(QuotaEntity.USER, "u"), 1000.0);
        assertThat(produce.maxValueInQuotaWindow("u", "c")).isEqualTo(10_000);
        assertThat(produce.maxValueInQuotaWindow("v", "c")).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void shouldCountRequestTimeInPercentOfOneThreadAndThrottleAtMostOneWindow() {
        // Given: a client allowed 1% of one thread (10 ms per second)
        image.set(new ClientQuotasImage(Map.of(entity(QuotaEntity.CLIENT_ID, "c"), Map.of(QuotaKeys.REQUEST_PERCENTAGE, 1.0))));
        RequestTimeQuota request = new RequestTimeQuota(
                new ClientQuotaManager(QuotaKeys.REQUEST_PERCENTAGE, 11, 1, image::get, now::get));
        assertThat(request.enabled()).isTrue();

        // When / Then: 9 ms of work every second stays within it, for as long as it lasts
        for (int second = 0; second < 30; second++) {
            assertThat(request.recordAndGetThrottleTimeMs("u", "c", 9_000_000L)).as("second " + second).isZero();
            now.addAndGet(1000);
        }
        // 200 ms more: 29 ms/s over the window (Kafka's windows of 11 s, at least 10 s long)
        assertThat(request.recordAndGetThrottleTimeMs("u", "c", 200_000_000L)).isEqualTo(1000); // (2.9-1)/1 * 10 s, one window at most
        // network time is counted without throttling, and later requests pay for it
        now.addAndGet(11_000);
        request.recordNetworkTime("u", "c", 150_000_000L);
        assertThat(request.recordAndGetThrottleTimeMs("u", "c", 0)).isEqualTo(1000);
        // another client has no quota
        assertThat(request.recordAndGetThrottleTimeMs("u", "d", 1_000_000_000L)).isZero();
        image.set(ClientQuotasImage.EMPTY);
        assertThat(request.enabled()).isFalse();
    }

    @Test
    void shouldExemptClusterActionsFollowerFetchesAndAcksZeroAsKafka() {
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.WRITE_TXN_MARKERS, false, false)).isTrue();
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.FETCH, true, false)).isTrue();
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.PRODUCE, false, true)).isTrue();
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.FETCH, false, false)).isFalse();
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.METADATA, false, false)).isFalse();
        assertThat(RequestTimeQuota.isExempt(org.apache.kafka.common.protocol.ApiKeys.API_VERSIONS, false, false)).isFalse();
    }

    private static QuotaResolver.Resolution resolution(String user, String clientId, double bound) {
        return new QuotaResolver.Resolution(new QuotaResolver.Tags(user, clientId), bound);
    }
}
