package io.dlog.kafka.handlers;

import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: the APIs and versions in the registry, nothing else. A version newer than ours gets
 * UNSUPPORTED_VERSION with our ApiVersions range, answered at v0 (KIP-511), so the client retries lower.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {
    /** KIP-511's rule for client software name and version. */
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    /**
     * The features to advertise (KIP-584, ApiVersions v3+ tagged fields).
     *
     * @param supported each supported feature's highest level (the lowest is 0)
     * @param finalized each feature's finalized level; level 0 (disabled) is not listed, as on Kafka
     * @param epoch     FinalizedFeaturesEpoch: the metadata image version the levels were read from
     */
    public record Features(Map<String, Short> supported, Map<String, Short> finalized, long epoch) {
    }

    private final ApiRegistry registry;
    private final Supplier<Features> features;

    /** Without features. */
    public ApiVersionsHandler(ApiRegistry registry) {
        this(registry, () -> null);
    }

    /** @param features read for every request, so a level finalized by UpdateFeatures shows at once */
    public ApiVersionsHandler(ApiRegistry registry, Supplier<Features> features) {
        this.registry = registry;
        this.features = features;
    }

    @Override
    public CompletionStage<ApiVersionsResponseData> handle(RequestContext context, ApiVersionsRequestData request) {
        ApiRegistry.Entry own = registry.find(ApiKeys.API_VERSIONS).orElseThrow();
        ApiVersionsResponseData response = new ApiVersionsResponseData();
        if (context.apiVersion() > own.maxVersion()) {
            ApiVersionCollection keys = new ApiVersionCollection();
            keys.add(toApiVersion(own));
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(keys));
        }
        if (context.apiVersion() >= 3 && !(valid(request.clientSoftwareName()) && valid(request.clientSoftwareVersion()))) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code()));
        }
        ApiVersionCollection keys = new ApiVersionCollection();
        registry.entries().values().forEach(entry -> keys.add(toApiVersion(entry)));
        response.setErrorCode(Errors.NONE.code()).setApiKeys(keys).setFinalizedFeaturesEpoch(-1L);
        Features advertised = features.get();
        if (advertised != null && context.apiVersion() >= 3) {
            // Features travel in tagged fields (v3+).
            advertised.supported().forEach((name, max) -> response.supportedFeatures().add(
                    new ApiVersionsResponseData.SupportedFeatureKey().setName(name).setMinVersion((short) 0).setMaxVersion(max)));
            advertised.finalized().forEach((name, level) -> {
                if (level > 0) {
                    response.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(name)
                            .setMinVersionLevel(level).setMaxVersionLevel(level));
                }
            });
            response.setFinalizedFeaturesEpoch(advertised.epoch());
        }
        return CompletableFuture.completedFuture(response);
    }

    private static boolean valid(String software) {
        return software != null && SOFTWARE.matcher(software).matches();
    }

    private static ApiVersion toApiVersion(ApiRegistry.Entry entry) {
        // Kafka 4 advertises Produce from v0 though it parses only v3+: older librdkafka refuses a broker
        // whose minimum is above what it knows (KAFKA-18659). Clients then pick v3+ anyway.
        short min = entry.key() == ApiKeys.PRODUCE ? ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION : entry.minVersion();
        return new ApiVersion().setApiKey(entry.key().id).setMinVersion(min).setMaxVersion(entry.maxVersion());
    }
}
