package io.dlog.cluster;

import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.TopicImage;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's unclean leader election, the controller's half: while this node leads the metadata group, a partition
 * left without a leader because its in-sync replicas are all gone gets a live out-of-sync replica as leader, when
 * {@code unclean.leader.election.enable} holds for its topic. The value is the topic's, else this node's dynamic
 * broker config, else the cluster-wide dynamic default, else this node's static {@code server.properties} value
 * (Kafka's active controller resolves it the same way); it may lose records the old ISR had committed.
 *
 * <p>Why a proposer and not a rule inside the state machine: a node's static config is not in the replicated log,
 * so the rules applied on every node cannot read it. The election itself is an ordinary {@code ElectLeader}
 * command, applied on every node alike and refused if the partition has a leader by then.
 *
 * <p>Kafka's controller looks every {@code unclean.leader.election.interval.ms} (5 minutes) only, so enabling the
 * setting on a topic whose partition is offline elects nobody until then; this node looks again after every
 * applied change (a fence, a registration, a config change), and every {@code interval} in case a proposal failed.
 *
 * <p>Thread-safe: checks and proposals run on the given scheduler; the observers, on the metadata applier thread,
 * only flip flags and hand the check to the scheduler.
 */
public final class UncleanLeaderElector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UncleanLeaderElector.class);
    static final String KEY = PartitionLeadership.UNCLEAN_ELECTION;
    private static final Duration PROPOSAL_TIMEOUT = Duration.ofSeconds(30);

    private final MetadataQuorum quorum;
    /** This node's static value of the setting, or null when server.properties leaves it out. */
    private final String staticValue;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    /** A check is queued on the scheduler and has not started: further changes need no other. */
    private final AtomicBoolean checkQueued = new AtomicBoolean();
    /** Partitions ("topic-p") whose election was proposed and has not completed: proposed once at a time. */
    private final Set<String> proposed = ConcurrentHashMap.newKeySet();
    private volatile boolean leader;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> periodic;

    /**
     * @param staticValue this node's {@code unclean.leader.election.enable} from server.properties, null when unset
     * @param interval    {@code unclean.leader.election.interval.ms}: how often to look again with no change applied
     */
    public UncleanLeaderElector(MetadataQuorum quorum, String staticValue, Duration interval,
                                ScheduledExecutorService scheduler) {
        this.quorum = quorum;
        this.staticValue = staticValue;
        this.interval = interval;
        this.scheduler = scheduler;
    }

    /** Starts following leadership and applied changes. */
    public void start() {
        quorum.onApplied(command -> {
            if (leader) {
                queueCheck();
            }
        });
        quorum.onLeadership(this::onLeadershipChange);
        if (quorum.isReadyLeader()) { // it became leader before this listener was added
            onLeadershipChange(true);
        }
    }

    private void onLeadershipChange(boolean nowLeader) {
        leader = nowLeader;
        ScheduledFuture<?> previous = periodic;
        if (previous != null) {
            previous.cancel(false);
            periodic = null;
        }
        if (nowLeader && !closed) {
            try {
                long every = Math.max(1, interval.toMillis());
                periodic = scheduler.scheduleWithFixedDelay(this::check, 0, every, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the node is stopping
            }
        }
    }

    private void queueCheck() {
        if (closed || !checkQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.execute(() -> {
                checkQueued.set(false);
                check();
            });
        } catch (RejectedExecutionException e) {
            checkQueued.set(false); // the node is stopping
        }
    }

    /** Proposes an unclean election for every partition that needs one and may have one. */
    void check() {
        if (!leader || closed) {
            return;
        }
        try {
            MetadataImage image = quorum.image();
            for (TopicImage topic : image.topics().values()) {
                for (int p = 0; p < topic.partitions(); p++) {
                    if (needsUncleanElection(image, topic, p) && allowed(image, topic)) {
                        propose(topic.name(), p);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Looking for partitions that need an unclean leader election failed", e);
        }
    }

    /** No leader, no live in-sync replica (a clean election would need one), and a live replica to elect. */
    static boolean needsUncleanElection(MetadataImage image, TopicImage topic, int partition) {
        PartitionState state = topic.state(partition);
        if (state.hasLeader() || state.isr().stream().anyMatch(image::isLive)) {
            return false;
        }
        return topic.replicas(partition).stream().anyMatch(image::isLive);
    }

    /** Topic config, then this node's dynamic broker config, then the cluster default, then server.properties. */
    boolean allowed(MetadataImage image, TopicImage topic) {
        String value = topic.configs().get(KEY);
        if (value == null) {
            value = image.nodeConfigs().getOrDefault(quorum.nodeId(), Map.of()).get(KEY);
        }
        if (value == null) {
            value = image.brokerConfigs().get(KEY);
        }
        if (value == null) {
            value = staticValue;
        }
        return "true".equalsIgnoreCase(value == null ? null : value.trim());
    }

    private void propose(String topic, int partition) {
        String key = topic + "-" + partition;
        if (!proposed.add(key)) {
            return;
        }
        LOG.warn("Electing a leader for {} uncleanly (unclean.leader.election.enable): no in-sync replica is live; "
                + "records only the old in-sync replicas had are lost", key);
        quorum.propose(new MetadataCommand.ElectLeader(topic, partition, PartitionState.NO_LEADER, true), PROPOSAL_TIMEOUT)
                .whenComplete((image, failure) -> {
                    proposed.remove(key);
                    if (failure != null && !(failure.getCause() instanceof MetadataException e
                            && e.reason() == MetadataException.Reason.ELECTION_NOT_NEEDED)) {
                        LOG.warn("The unclean election of {} was not made ({}); the next check tries again", key,
                                failure.getCause() == null ? failure.toString() : failure.getCause().getMessage());
                    }
                });
    }

    @Override
    public void close() {
        closed = true;
        leader = false;
        ScheduledFuture<?> previous = periodic;
        if (previous != null) {
            previous.cancel(false);
        }
    }
}
