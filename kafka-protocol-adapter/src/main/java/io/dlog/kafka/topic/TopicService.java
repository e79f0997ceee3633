package io.dlog.kafka.topic;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.TopicConfigs;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.MetadataStore;
import io.dlog.log.metadata.TopicImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics as a whole: the metadata image plus the partition logs it implies. Every change goes
 * through one admin thread (metadata writes fsync), is recorded in the {@link MetadataStore} first and
 * then applied to the {@link LogManager}, so a crash in between is repaired by {@link #reconcile()}.
 *
 * <p>Thread-safe. Reads ({@link #image()}, {@link #partition}) are lock-free and safe on an event loop;
 * changes return futures completed on the admin thread.
 */
public final class TopicService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicService.class);

    private final MetadataStore store;
    private final LogManager logs;
    private final ExecutorService adminExecutor;
    private volatile BrokerConfig brokerConfig;

    public TopicService(MetadataStore store, LogManager logs, BrokerConfig staticConfig, ExecutorService adminExecutor) {
        this.store = store;
        this.logs = logs;
        this.adminExecutor = adminExecutor;
        this.brokerConfig = staticConfig.withDynamic(store.image().brokerConfigs());
    }

    /** Makes the logs match the image: creates missing partitions, deletes partitions of unknown topics. */
    public void reconcile() throws IOException {
        MetadataImage image = store.image();
        for (TopicImage topic : image.topics().values()) {
            LogConfig config = logConfig(topic);
            for (int p = 0; p < topic.partitions(); p++) {
                logs.getOrCreate(new TopicPartition(topic.name(), p), config).updateConfig(config);
            }
        }
        for (PartitionLog log : logs.all()) {
            TopicPartition tp = log.topicPartition();
            Optional<TopicImage> topic = image.topic(tp.topic());
            if (topic.isEmpty() || tp.partition() >= topic.get().partitions()) {
                LOG.info("Deleting {}: not in the cluster image", tp);
                logs.delete(tp);
            }
        }
    }

    public MetadataImage image() {
        return store.image();
    }

    public BrokerConfig brokerConfig() {
        return brokerConfig;
    }

    public Optional<PartitionLog> partition(String topic, int partition) {
        if (partition < 0) {
            return Optional.empty();
        }
        return logs.get(new TopicPartition(topic, partition));
    }

    public LogManager logs() {
        return logs;
    }

    public LogConfig logConfig(TopicImage topic) {
        return TopicConfigs.resolve(topic.configs(), brokerConfig);
    }

    /** Creates the topic and its partitions; fails with {@link io.dlog.log.metadata.MetadataException}. */
    public CompletableFuture<TopicImage> create(String name, int partitions, Map<String, String> configs) {
        return onAdminThread(() -> {
            TopicImage topic = store.createTopic(name, partitions, configs);
            createLogs(topic, 0);
            return topic;
        });
    }

    public CompletableFuture<TopicImage> delete(String name) {
        return onAdminThread(() -> {
            TopicImage topic = store.deleteTopic(name);
            for (int p = 0; p < topic.partitions(); p++) {
                logs.delete(new TopicPartition(name, p));
            }
            return topic;
        });
    }

    public CompletableFuture<TopicImage> increasePartitions(String name, int count) {
        return onAdminThread(() -> {
            int before = store.image().topic(name).map(TopicImage::partitions).orElse(0);
            TopicImage topic = store.increasePartitions(name, count);
            createLogs(topic, before);
            return topic;
        });
    }

    /** Replaces the topic's overrides (already validated) and reconfigures its partitions. */
    public CompletableFuture<TopicImage> setTopicConfigs(String name, Map<String, String> configs) {
        return onAdminThread(() -> {
            TopicImage topic = store.setTopicConfigs(name, configs);
            applyConfig(topic);
            return topic;
        });
    }

    /** Replaces the dynamic broker overrides (already validated) and reconfigures every partition. */
    public CompletableFuture<BrokerConfig> setBrokerConfigs(Map<String, String> configs) {
        return onAdminThread(() -> {
            BrokerConfig updated = brokerConfig.withDynamic(configs);
            store.setBrokerConfigs(configs);
            brokerConfig = updated;
            for (TopicImage topic : store.image().topics().values()) {
                applyConfig(topic);
            }
            return updated;
        });
    }

    private void createLogs(TopicImage topic, int fromPartition) throws IOException {
        LogConfig config = logConfig(topic);
        for (int p = fromPartition; p < topic.partitions(); p++) {
            logs.getOrCreate(new TopicPartition(topic.name(), p), config);
        }
    }

    private void applyConfig(TopicImage topic) {
        LogConfig config = logConfig(topic);
        for (int p = 0; p < topic.partitions(); p++) {
            partition(topic.name(), p).ifPresent(log -> log.updateConfig(config));
        }
    }

    /** A metadata change: runs on the admin thread; its checked exceptions fail the future. */
    @FunctionalInterface
    private interface Change<T> {
        T apply() throws Exception;
    }

    private <T> CompletableFuture<T> onAdminThread(Change<T> change) {
        CompletableFuture<T> result = new CompletableFuture<>();
        adminExecutor.execute(() -> {
            try {
                result.complete(change.apply());
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
    public static Optional<String> invalidTopicNameReason(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of("Topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > 249) {
            return Optional.of("Topic name is longer than 249 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!valid) {
                return Optional.of("Topic name \"" + name + "\" is illegal, it contains a character other than "
                        + "ASCII alphanumerics, '.', '_' and '-'");
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        adminExecutor.shutdown();
    }
}
