package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;

import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Skeleton; filled in shortly. */
public final class DefaultLogManager implements LogManager {
    private final LogManagerConfig config;

    private DefaultLogManager(LogManagerConfig config) {
        this.config = config;
    }

    public static LogManager open(LogManagerConfig config, Clock clock, Function<String, LogConfig> configs)
            throws IOException {
        return new DefaultLogManager(config);
    }

    @Override
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig config) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.empty();
    }

    @Override
    public Collection<PartitionLog> all() {
        return List.of();
    }

    @Override
    public void delete(TopicPartition tp) {
    }

    @Override
    public void runRetentionNow() {
    }

    @Override
    public String dataDirPath() {
        return config.dataDir().toAbsolutePath().toString();
    }

    @Override
    public void close() {
    }
}
