package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.topic.FeatureLevels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData.UpdatableFeatureResult;
import org.apache.kafka.common.message.UpdateFeaturesResponseData.UpdatableFeatureResultCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * UpdateFeatures v0-2 ({@code kafka-features upgrade/downgrade/disable}): finalizes feature levels in the
 * metadata image, all of the request's updates or none, as Kafka's controller does. Each update is checked
 * as Kafka checks it (INVALID_UPDATE_VERSION): a feature this node does not support or a level outside its
 * range, a negative level, a lower level without a downgrade type (v0: AllowDowngrade; v1+: UpgradeType
 * SAFE_DOWNGRADE or UNSAFE_DOWNGRADE). ValidateOnly (v1+) checks without changing anything. The answer
 * has Kafka 4's shape: on success a NONE result per feature, on failure only the top-level error.
 *
 * <p>Stateless; the change is a metadata proposal that completes off the event loop.
 */
public final class UpdateFeaturesHandler implements ApiHandler<UpdateFeaturesRequestData> {
    private final BrokerContext context;
    private final short configuredTransactionVersion;

    public UpdateFeaturesHandler(BrokerContext context, short configuredTransactionVersion) {
        this.context = context;
        this.configuredTransactionVersion = configuredTransactionVersion;
    }

    @Override
    public CompletionStage<UpdateFeaturesResponseData> handle(RequestContext request, UpdateFeaturesRequestData data) {
        Map<String, Short> current = FeatureLevels.levels(context.topics().image(), configuredTransactionVersion);
        Map<String, Short> levels = new LinkedHashMap<>();
        for (UpdateFeaturesRequestData.FeatureUpdateKey update : data.featureUpdates()) {
            FeatureUpdate.UpgradeType type = request.apiVersion() == 0
                    ? (update.allowDowngrade() ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE : FeatureUpdate.UpgradeType.UPGRADE)
                    : FeatureUpdate.UpgradeType.fromCode(update.upgradeType());
            String refusal = refusal(update.feature(), update.maxVersionLevel(), type, current);
            if (refusal != null) {
                return done(failed(new ApiError(Errors.INVALID_UPDATE_VERSION, "Invalid update version "
                        + update.maxVersionLevel() + " for feature " + update.feature() + ". " + refusal)));
            }
            levels.put(update.feature(), update.maxVersionLevel());
        }
        if (data.validateOnly() || levels.isEmpty()) {
            return done(succeeded(levels));
        }
        return context.topics().quorum().propose(new MetadataCommand.SetFeatures(levels), ProposalTimeouts.of(data.timeoutMs()))
                .handle((image, failure) -> failure == null ? succeeded(levels) : failed(AdminErrors.fromThrowable(failure)));
    }

    /** Why Kafka's controller would refuse the update, or null. */
    private static String refusal(String feature, short level, FeatureUpdate.UpgradeType type, Map<String, Short> current) {
        if (level < 0) {
            return "A feature version cannot be less than 0.";
        }
        Short max = FeatureLevels.SUPPORTED.get(feature);
        if (max == null) {
            return "DLog does not support this feature.";
        }
        if (level > max) {
            return "This node only supports versions 0-" + max + ".";
        }
        if (type == FeatureUpdate.UpgradeType.UNKNOWN) {
            return "Unknown upgrade type.";
        }
        if (level < current.getOrDefault(feature, (short) 0) && type == FeatureUpdate.UpgradeType.UPGRADE) {
            return "Can't downgrade the version of this feature without setting the upgrade type to either safe or "
                    + "unsafe downgrade.";
        }
        return null;
    }

    private static UpdateFeaturesResponseData succeeded(Map<String, Short> levels) {
        UpdatableFeatureResultCollection results = new UpdatableFeatureResultCollection();
        levels.keySet().forEach(feature -> results.add(new UpdatableFeatureResult().setFeature(feature)
                .setErrorCode(Errors.NONE.code())));
        return new UpdateFeaturesResponseData().setErrorCode(Errors.NONE.code()).setResults(results);
    }

    private static UpdateFeaturesResponseData failed(ApiError error) {
        return new UpdateFeaturesResponseData().setErrorCode(error.error().code()).setErrorMessage(error.message());
    }

    private static CompletableFuture<UpdateFeaturesResponseData> done(UpdateFeaturesResponseData response) {
        return CompletableFuture.completedFuture(response);
    }
}
