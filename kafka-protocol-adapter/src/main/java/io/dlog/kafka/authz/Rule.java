package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** One API's authorization: answers what is refused, hands the rest of the request to {@code next}. */
@FunctionalInterface
interface Rule {
    CompletionStage<? extends ApiMessage> apply(Check check, ApiMessage data, ApiHandler<ApiMessage> next);

    /** The whole request refused with {@code error} (Kafka's getErrorResponse). */
    static CompletionStage<? extends ApiMessage> refuse(Check check, ApiMessage data, Errors error) {
        RequestContext request = check.request();
        ApiException exception = error.exception();
        return CompletableFuture.completedFuture(ErrorResponses.of(ApiKeys.forId(data.apiKey()), request.apiVersion(),
                data, exception));
    }

    /** A rule that needs one operation on the cluster, else CLUSTER_AUTHORIZATION_FAILED. */
    static Rule cluster(org.apache.kafka.common.acl.AclOperation operation) {
        return (check, data, next) -> check.cluster(operation) ? next.handle(check.request(), data)
                : refuse(check, data, Errors.CLUSTER_AUTHORIZATION_FAILED);
    }

    /** No check (ApiVersions, SASL). */
    static Rule none() {
        return (check, data, next) -> next.handle(check.request(), data);
    }
}
