package io.dlog.kafka.handlers;

import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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

    /** Kafka's feature name for the transaction protocol version (KIP-890). */
    public static final String TRANSACTION_VERSION = "transaction.version";

    private final ApiRegistry registry;
    private final short transactionVersion;

    /** Without the transaction.version feature (transaction version 1). */
    public ApiVersionsHandler(ApiRegistry registry) {
        this(registry, (short) 1);
    }

    /**
     * @param transactionVersion the transaction.version this broker runs: 2 is advertised as a finalized
     *                           feature (clients then use KIP-890 part 2); 1 is not advertised, as a Kafka
     *                           cluster without the feature, so clients stay on transaction version 1
     */
    public ApiVersionsHandler(ApiRegistry registry, short transactionVersion) {
        this.registry = registry;
        this.transactionVersion = transactionVersion;
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
        if (transactionVersion >= 2 && context.apiVersion() >= 3) {
            // Features travel in tagged fields (v3+). Epoch 0: the level is fixed by configuration.
            response.supportedFeatures().add(new ApiVersionsResponseData.SupportedFeatureKey()
                    .setName(TRANSACTION_VERSION).setMinVersion((short) 0).setMaxVersion(transactionVersion));
            response.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey()
                    .setName(TRANSACTION_VERSION).setMinVersionLevel(transactionVersion).setMaxVersionLevel(transactionVersion));
            response.setFinalizedFeaturesEpoch(0L);
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
