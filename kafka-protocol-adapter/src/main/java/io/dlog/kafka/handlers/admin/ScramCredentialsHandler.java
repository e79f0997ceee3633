package io.dlog.kafka.handlers.admin;

import io.dlog.cluster.MetadataCommand;
import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.security.ImageScramCredentials;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.ScramCredentialImage;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * DescribeUserScramCredentials and AlterUserScramCredentials ({@code kafka-configs --entity-type users}),
 * on the SCRAM credentials of the cluster image, with Kafka's checks and per-user errors: a user named
 * twice (DUPLICATE_RESOURCE), an unknown mechanism (UNSUPPORTED_SASL_MECHANISM), an empty name or
 * iterations outside the mechanism's 4096-16384 (UNACCEPTABLE_CREDENTIAL), a credential that does not
 * exist (RESOURCE_NOT_FOUND). A user with any error has none of its changes applied; the others' go to
 * the metadata quorum as one command. The stored and server keys are derived from the client's salted
 * password with Kafka's {@link ScramFormatter}; the password itself never reaches the broker.
 * Stateless.
 */
public final class ScramCredentialsHandler {
    private final BrokerContext context;

    public ScramCredentialsHandler(BrokerContext context) {
        this.context = context;
    }

    public CompletionStage<DescribeUserScramCredentialsResponseData> describe(RequestContext request,
                                                                               DescribeUserScramCredentialsRequestData data) {
        Map<String, Map<String, ScramCredentialImage>> all = context.topics().image().security().scramCredentials();
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        List<String> users = new ArrayList<>();
        if (data.users() == null || data.users().isEmpty()) {
            users.addAll(new TreeMap<>(all).keySet());
        } else {
            data.users().forEach(user -> users.add(user.name()));
        }
        Map<String, Integer> counts = new HashMap<>();
        users.forEach(user -> counts.merge(user, 1, Integer::sum));
        Set<String> answered = new HashSet<>();
        for (String user : users) {
            if (!answered.add(user)) {
                continue;
            }
            DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
            Map<String, ScramCredentialImage> credentials = all.get(user);
            if (counts.get(user) > 1) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code())
                        .setErrorMessage("Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
            } else if (credentials == null) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                        .setErrorMessage("Attempt to describe a user credential that does not exist: " + user);
            } else {
                for (Map.Entry<String, ScramCredentialImage> credential : new TreeMap<>(credentials).entrySet()) {
                    result.credentialInfos().add(new CredentialInfo()
                            .setMechanism(ScramMechanism.forMechanismName(credential.getKey()).type())
                            .setIterations(credential.getValue().iterations()));
                }
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(response);
    }

    public CompletionStage<AlterUserScramCredentialsResponseData> alter(RequestContext request,
                                                                         AlterUserScramCredentialsRequestData data) {
        Map<String, ApiError> errors = new LinkedHashMap<>();
        Map<String, List<MetadataCommand.ScramUpsert>> upserts = new LinkedHashMap<>();
        Map<String, List<MetadataCommand.ScramDeletion>> deletions = new LinkedHashMap<>();
        Set<String> pairs = new HashSet<>();
        for (var deletion : data.deletions()) {
            String user = deletion.name();
            errors.putIfAbsent(user, ApiError.NONE);
            ScramMechanism mechanism = mechanism(deletion.mechanism());
            if (!pairs.add(user + "\u0000" + deletion.mechanism())) {
                reject(errors, user, duplicate());
            } else if (mechanism == null) {
                reject(errors, user, new ApiError(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism"));
            } else if (user.isEmpty()) {
                reject(errors, user, new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"));
            } else if (context.topics().image().security().scramCredential(user, mechanism.mechanismName()).isEmpty()) {
                reject(errors, user, new ApiError(Errors.RESOURCE_NOT_FOUND,
                        "Attempt to delete a user credential that does not exist"));
            } else {
                deletions.computeIfAbsent(user, u -> new ArrayList<>())
                        .add(new MetadataCommand.ScramDeletion(user, mechanism.mechanismName()));
            }
        }
        for (var upsertion : data.upsertions()) {
            String user = upsertion.name();
            errors.putIfAbsent(user, ApiError.NONE);
            ScramMechanism mechanism = mechanism(upsertion.mechanism());
            if (!pairs.add(user + "\u0000" + upsertion.mechanism())) {
                reject(errors, user, duplicate());
            } else if (mechanism == null) {
                reject(errors, user, new ApiError(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism"));
            } else if (user.isEmpty()) {
                reject(errors, user, new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"));
            } else if (upsertion.iterations() < mechanism.minIterations()) {
                reject(errors, user, new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations"));
            } else if (upsertion.iterations() > mechanism.maxIterations()) {
                reject(errors, user, new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations"));
            } else {
                upserts.computeIfAbsent(user, u -> new ArrayList<>()).add(new MetadataCommand.ScramUpsert(user,
                        mechanism.mechanismName(), credential(mechanism, upsertion.salt(), upsertion.saltedPassword(),
                        upsertion.iterations())));
            }
        }
        List<MetadataCommand.ScramUpsert> allUpserts = new ArrayList<>();
        List<MetadataCommand.ScramDeletion> allDeletions = new ArrayList<>();
        errors.forEach((user, error) -> {
            if (error.isSuccess()) {
                allUpserts.addAll(upserts.getOrDefault(user, List.of()));
                allDeletions.addAll(deletions.getOrDefault(user, List.of()));
            }
        });
        CompletableFuture<?> applied = allUpserts.isEmpty() && allDeletions.isEmpty()
                ? CompletableFuture.completedFuture(null)
                : context.topics().quorum().propose(new MetadataCommand.AlterScramCredentials(allUpserts, allDeletions),
                        TopicService.DEFAULT_PROPOSAL_TIMEOUT);
        return applied.handle((done, failure) -> {
            AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
            ApiError proposalError = failure == null ? ApiError.NONE : AdminErrors.fromThrowable(failure);
            errors.forEach((user, error) -> {
                ApiError answer = error.isSuccess() ? proposalError : error;
                response.results().add(new AlterUserScramCredentialsResult().setUser(user)
                        .setErrorCode(answer.error().code()).setErrorMessage(answer.isSuccess() ? null : answer.message()));
            });
            return response;
        });
    }

    private static ApiError duplicate() {
        return new ApiError(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
    }

    /** The first error a user meets is the one reported. */
    private static void reject(Map<String, ApiError> errors, String user, ApiError error) {
        if (errors.get(user).isSuccess()) {
            errors.put(user, error);
        }
    }

    private static ScramMechanism mechanism(byte type) {
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            if (mechanism.type() == type) {
                return mechanism;
            }
        }
        return null;
    }

    private static ScramCredentialImage credential(ScramMechanism mechanism, byte[] salt, byte[] saltedPassword, int iterations) {
        try {
            return ImageScramCredentials.toImage(new ScramFormatter(mechanism).generateCredential(salt, saltedPassword, iterations));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(mechanism.hashAlgorithm() + " is missing from this JVM", e);
        }
    }
}
