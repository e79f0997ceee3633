package io.dlog.kafka.topic;

import io.dlog.cluster.MetadataCommand;
import io.dlog.cluster.QuorumConfig;
import io.dlog.cluster.internal.RatisMetadataQuorum;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.log.LogManager;
import io.dlog.log.metadata.BrokerImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real {@link TopicService} for tests of the layers above it: its logs, and a single-voter metadata
 * Raft group in a folder of the test's, with this node registered at 127.0.0.1:9092 and caught up.
 */
public final class SingleNodeTopics implements AutoCloseable {
    private final RatisMetadataQuorum quorum;
    private final TopicService topics;

    private SingleNodeTopics(RatisMetadataQuorum quorum, TopicService topics) {
        this.quorum = quorum;
        this.topics = topics;
    }

    /** Starts the group in {@code raftDir} over {@code logs}; the caller closes the logs after this. */
    public static SingleNodeTopics open(Path raftDir, LogManager logs, BrokerConfig config) throws IOException {
        TopicService topics = new TopicService(logs, config);
        RatisMetadataQuorum quorum = RatisMetadataQuorum.start(QuorumConfig.singleNode(config.nodeId(), raftDir), topics);
        try {
            topics.attach(quorum);
            quorum.awaitLeader(Duration.ofSeconds(30));
            quorum.propose(new MetadataCommand.RegisterBroker(config.nodeId(), 1, List.of(new BrokerImage.Endpoint(
                    "PLAINTEXT", "127.0.0.1", 9092)), null), TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
            topics.catchUp();
            return new SingleNodeTopics(quorum, topics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            quorum.close();
            throw new IOException(e);
        } catch (RuntimeException e) {
            quorum.close();
            throw e;
        }
    }

    public TopicService topics() {
        return topics;
    }

    /** Creates a topic of replication factor 1 and waits for it. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        topics.create(name, partitions, (short) 1, configs, TopicService.DEFAULT_PROPOSAL_TIMEOUT).join();
    }

    @Override
    public void close() {
        quorum.close();
    }
}
