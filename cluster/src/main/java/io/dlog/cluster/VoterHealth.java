package io.dlog.cluster;

import io.dlog.cluster.MetadataQuorum.VoterRole;
import io.dlog.cluster.internal.RatisMetadataQuorum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * Whether a voter takes part in a working metadata quorum, as its own replica says (a controller's health check:
 * {@code dlog status --health} of a {@code process.roles=controller} node). A listening port proves only that the
 * process is up; this asks the replica behind it for its role and the leader it follows.
 *
 * <p>Thread-safe and stateless: each call opens and closes a client of its own.
 */
public final class VoterHealth {
    private VoterHealth() {
    }

    /**
     * @param voters where each voter's metadata replica listens (controller.quorum.voters)
     * @throws IOException the voter did not answer within {@code timeout}, or holds no replica of the group
     */
    public static VoterRole ask(int nodeId, Map<Integer, InetSocketAddress> voters, Duration timeout) throws IOException {
        return RatisMetadataQuorum.askVoter(nodeId, voters, timeout);
    }
}
