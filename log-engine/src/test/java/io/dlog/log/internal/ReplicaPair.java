package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;

import java.io.IOException;
import java.nio.file.Path;

/** One partition as two nodes hold it: a leader's log and a follower's, each in its own data folder. */
final class ReplicaPair implements AutoCloseable {
    static final TopicPartition TP = new TopicPartition("t", 0);

    private final Path followerDir;
    private final MutableClock clock;
    private final LogManager leaderManager;
    private LogManager followerManager;
    final PartitionLog leader;

    ReplicaPair(Path leaderDir, Path followerDir, MutableClock clock, LogConfig config) throws Exception {
        this.followerDir = followerDir;
        this.clock = clock;
        this.leaderManager = LogTestSupport.open(leaderDir, clock, config);
        this.leader = leaderManager.getOrCreate(TP, config);
    }

    /** Opens the follower's node (closing it first if open, as a restart): its partition log. */
    boolean followerWritersIdle() {
        return ((DefaultLogManager) followerManager).writersIdle();
    }

    PartitionLog reopenFollower(LogConfig config) throws Exception {
        if (followerManager != null) {
            followerManager.close();
        }
        followerManager = LogTestSupport.open(followerDir, clock, config);
        return followerManager.getOrCreate(TP, config);
    }

    @Override
    public void close() throws IOException {
        leaderManager.close();
        if (followerManager != null) {
            followerManager.close();
        }
    }
}
