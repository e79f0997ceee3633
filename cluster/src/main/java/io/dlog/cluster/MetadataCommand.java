package io.dlog.cluster;

import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.QuotaEntity;
import io.dlog.log.metadata.ScramCredentialImage;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A change to the cluster image, proposed to the metadata Raft group and applied by every node in log
 * order. Everything a change needs is decided by its proposer before proposing (ids, replica sets,
 * times), so that applying it is deterministic: {@link MetadataApplier} reads nothing but the image
 * and the command.
 */
public sealed interface MetadataCommand {

    /** Fixes the cluster id; refused when the image already has another one. */
    record InitCluster(String clusterId) implements MetadataCommand {
    }

    /**
     * Imports the image of a single-node release (its topics, ids and configs) as the cluster's
     * starting point; refused once the cluster has topics.
     */
    record ImportImage(MetadataImage image) implements MetadataCommand {
    }

    /**
     * A node (re)starting: replaces an older registration of the same id, unfenced. A {@code directoryId} other
     * than the previous registration's means its data folder was replaced: it holds none of its replicas' data.
     */
    record RegisterBroker(int id, long incarnation, List<BrokerImage.Endpoint> endpoints, String rack,
                          String directoryId) implements MetadataCommand {
        public RegisterBroker {
            endpoints = List.copyOf(endpoints);
        }

        /** Without a data folder id: the folder is not compared with the previous registration's. */
        public RegisterBroker(int id, long incarnation, List<BrokerImage.Endpoint> endpoints, String rack) {
            this(id, incarnation, endpoints, rack, null);
        }
    }

    /** A registered node is alive; unfences it if it was fenced. */
    record BrokerHeartbeat(int id, long incarnation) implements MetadataCommand {
    }

    /** The metadata leader saw no heartbeat for {@code broker.session.timeout.ms}. */
    record FenceBroker(int id, long incarnation) implements MetadataCommand {
    }

    record CreateTopic(String name, UUID topicId, List<List<Integer>> assignment, Map<String, String> configs)
            implements MetadataCommand {
        public CreateTopic {
            assignment = assignment.stream().map(List::copyOf).toList();
            configs = Map.copyOf(configs);
        }
    }

    /** @param topicId the id the deleter saw, or null to delete whatever topic has the name */
    record DeleteTopic(String name, UUID topicId) implements MetadataCommand {
    }

    /** @param added the replica sets of the new partitions, in partition order */
    record CreatePartitions(String name, List<List<Integer>> added) implements MetadataCommand {
        public CreatePartitions {
            added = added.stream().map(List::copyOf).toList();
        }
    }

    /** Replaces the topic's config overrides. */
    record SetTopicConfigs(String name, Map<String, String> configs) implements MetadataCommand {
        public SetTopicConfigs {
            configs = Map.copyOf(configs);
        }
    }

    /**
     * Replaces the config overrides of group {@code groupId} (Kafka's GROUP config resource, validated by the
     * proposer); an empty map removes them. The group need not exist: Kafka keeps configs of groups to come.
     */
    record SetGroupConfigs(String groupId, Map<String, String> configs) implements MetadataCommand {
        public SetGroupConfigs {
            configs = Map.copyOf(configs);
        }
    }

    /** Replaces the dynamic broker overrides of {@code node}, or the cluster default when {@code node} is -1. */
    record SetBrokerConfigs(int node, Map<String, String> configs) implements MetadataCommand {
        public static final int CLUSTER_DEFAULT = -1;

        public SetBrokerConfigs {
            configs = Map.copyOf(configs);
        }
    }

    /**
     * A partition leader's change of its ISR (Kafka's AlterPartition): refused unless {@code leader} still
     * leads at {@code leaderEpoch} and the state is still at {@code partitionEpoch}; replicas added must be
     * live.
     */
    record AlterPartition(String topic, UUID topicId, int partition, int leader, int leaderEpoch,
                          int partitionEpoch, List<Integer> isr) implements MetadataCommand {
        public AlterPartition {
            isr = List.copyOf(isr);
        }
    }

    /**
     * Leader election asked for by an operator or by the leader balancer: {@code leader} (the preferred
     * replica) takes over if it is live and in sync; or, when {@code unclean}, an offline partition gets the
     * first live replica as leader even though it may lack committed data (Kafka's unclean election).
     */
    record ElectLeader(String topic, int partition, int leader, boolean unclean) implements MetadataCommand {
    }

    /**
     * Starts, replaces or cancels the reassignment of one partition (Kafka's AlterPartitionReassignments):
     * the replica list becomes {@code target} + the replicas being removed, and the move completes inside the
     * state machine once every target replica is in sync. {@code target} null cancels the reassignment in
     * progress. With {@code allowReplicationFactorChange} false (KIP-860), a target of another size than the
     * partition's replica set before the move is refused.
     */
    record AlterReassignment(String topic, int partition, List<Integer> target, boolean allowReplicationFactorChange)
            implements MetadataCommand {
        public AlterReassignment {
            target = target == null ? null : List.copyOf(target);
        }
    }

    /**
     * A leader whose log already holds batches of epoch {@code atLeast - 1} or later (a migration mirror
     * copies its source's epochs verbatim) asks for a leader epoch of at least {@code atLeast}: clients
     * take a Metadata epoch below the epochs they read in batches for stale metadata. Refused unless
     * {@code leader} still leads at {@code leaderEpoch}.
     */
    record RaiseLeaderEpoch(String topic, int partition, int leader, int leaderEpoch, int atLeast)
            implements MetadataCommand {
    }

    /**
     * Sets and removes SCRAM credentials (AlterUserScramCredentials). The proposer has validated each
     * change against its image; removing a credential that is gone by then is a no-op.
     */
    record AlterScramCredentials(List<ScramUpsert> upserts, List<ScramDeletion> deletions) implements MetadataCommand {
        public AlterScramCredentials {
            upserts = List.copyOf(upserts);
            deletions = List.copyOf(deletions);
        }
    }

    /** @param mechanism SCRAM-SHA-256 or SCRAM-SHA-512 */
    record ScramUpsert(String user, String mechanism, ScramCredentialImage credential) {
    }

    record ScramDeletion(String user, String mechanism) {
    }

    /** Adds ACL bindings (CreateAcls); one already present is not added twice. */
    record CreateAcls(List<AclImage> acls) implements MetadataCommand {
        public CreateAcls {
            acls = List.copyOf(acls);
        }
    }

    /** Removes exactly these bindings (the proposer matched DeleteAcls filters against its image). */
    record DeleteAcls(List<AclImage> acls) implements MetadataCommand {
        public DeleteAcls {
            acls = List.copyOf(acls);
        }
    }

    /**
     * Finalizes feature levels (Kafka's UpdateFeatures, validated by the proposer against what every node
     * supports): each named feature gets its level; level 0 disables it (Kafka then no longer lists it as
     * finalized), and stays recorded so the node's configured default does not come back.
     */
    record SetFeatures(Map<String, Short> levels) implements MetadataCommand {
        public SetFeatures {
            levels = Map.copyOf(levels);
        }
    }

    /**
     * Sets and removes client quota values (AlterClientQuotas). The proposer validated entities, keys and
     * values; removing a value that is gone by then is a no-op.
     */
    record AlterClientQuotas(List<QuotaChange> changes) implements MetadataCommand {
        public AlterClientQuotas {
            changes = List.copyOf(changes);
        }
    }

    /** @param value the new value, or null to remove the key from the entity */
    record QuotaChange(QuotaEntity entity, String key, Double value) {
    }
}
