package io.dlog.log.internal;

import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The engine's entry point: owns the writer threads, the background scheduler (retention, delayed
 * deletes), the log cleaner and every partition of one data folder.
 *
 * <p>Invariants: a partition is always served by writer {@code floorMod(hash(tp), writerThreads)};
 * a deleted partition is out of the map before its folder is renamed to {@code <dir>.<uuid>-delete}.
 *
 * <p>Thread-safety: all public methods are thread-safe; creation and deletion are serialized by a lock
 * (they touch folders), lookups are lock-free.
 */
public final class DefaultLogManager implements LogManager {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultLogManager.class);
    private static final Pattern PARTITION_DIR = Pattern.compile("([a-zA-Z0-9._-]{1,249})-(\\d{1,9})");
    /**
     * Kafka's metadata log folder, which Kafka's {@code kafka-storage format} (and {@code dlog format}) writes the
     * voters of a dynamic quorum into; not a partition (DLog's Raft log is elsewhere), and never deleted as one.
     */
    private static final String KAFKA_METADATA_LOG_DIR = "__cluster_metadata-0";
    private static final String DELETE_SUFFIX = "-delete";

    private final LogManagerConfig config;
    private final Clock clock;
    private final WriterThread[] writers;
    private final ScheduledExecutorService scheduler;
    private final SegmentJanitor janitor;
    private final LogCleaner cleaner;
    private final ConcurrentHashMap<TopicPartition, DefaultPartitionLog> logs = new ConcurrentHashMap<>();
    private final Object lifecycleLock = new Object();
    private volatile boolean closed;
    private volatile io.dlog.log.StorageFailureListener failureListener = io.dlog.log.StorageFailureListener.NONE;

    private DefaultLogManager(LogManagerConfig config, Clock clock) {
        if (config.writerThreads() < 1) {
            throw new IllegalArgumentException("writerThreads must be >= 1");
        }
        this.config = config;
        this.clock = clock;
        this.writers = new WriterThread[config.writerThreads()];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new WriterThread("dlog-log-writer-" + i, config.groupCommitMaxWait());
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dlog-log-scheduler");
            t.setDaemon(true);
            return t;
        });
        // never interrupt a chore: an interrupt during FileChannel I/O closes the channel
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        this.janitor = new SegmentJanitor(scheduler);
        this.cleaner = new LogCleaner(config.cleaner(), clock, () -> List.copyOf(logs.values()));
        // loads JNA's native library now, not on the first event loop that appends past a megabyte
        LOG.debug("Disk blocks preallocated ahead of active segments: {}", SegmentPreallocation.enabled());
        LOG.debug("Segment writes started a step behind the end: {}", SegmentWriteback.enabled());
    }

    @Override
    public void setStorageFailureListener(io.dlog.log.StorageFailureListener listener) {
        failureListener = listener;
    }

    /**
     * A partition went offline, or its folder could not be made: tells the listener of the moment (set after the
     * logs open, during the start). Not once the manager closes: its files are closing, and errors then say nothing
     * of the disk.
     */
    @Override
    public void reportStorageFailure(TopicPartition tp, IOException cause) {
        if (closed) {
            return;
        }
        try {
            failureListener.onStorageFailure(tp, cause);
        } catch (RuntimeException e) {
            LOG.error("The storage failure listener failed on {}", tp, e);
        }
    }

    @Override
    public void setStorageMetrics(io.dlog.log.StorageMetrics metrics) {
        for (WriterThread writer : writers) {
            writer.setMetrics(metrics);
        }
    }

    /** Opens (recovering) every partition folder under the data folder and starts the threads. */
    public static LogManager open(LogManagerConfig config, Clock clock, Function<String, LogConfig> configs)
            throws IOException {
        FileIo.createDirectories(config.dataDir());
        DefaultLogManager manager = new DefaultLogManager(config, clock);
        try {
            manager.loadAll(configs);
        } catch (IOException | RuntimeException e) {
            manager.scheduler.shutdown();
            for (DefaultPartitionLog log : manager.logs.values()) {
                log.closeFiles();
            }
            throw e;
        }
        for (WriterThread w : manager.writers) {
            w.start();
        }
        manager.cleaner.start();
        long interval = Math.max(1, config.retentionCheckInterval().toMillis());
        manager.scheduler.scheduleWithFixedDelay(manager::retentionTick, interval, interval, TimeUnit.MILLISECONDS);
        manager.scheduler.scheduleWithFixedDelay(manager::checkpointHighWatermarks, HighWatermarkCheckpoint.INTERVAL_MS,
                HighWatermarkCheckpoint.INTERVAL_MS, TimeUnit.MILLISECONDS);
        return manager;
    }

    private void loadAll(Function<String, LogConfig> configs) throws IOException {
        List<Path> dirs;
        try (Stream<Path> list = Files.list(config.dataDir())) {
            dirs = list.filter(Files::isDirectory).toList();
        }
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.endsWith(DELETE_SUFFIX)) {
                SegmentJanitor.deleteRecursively(dir);
                continue;
            }
            var m = PARTITION_DIR.matcher(name);
            if (!m.matches() || name.equals(KAFKA_METADATA_LOG_DIR)) {
                continue;
            }
            TopicPartition tp = new TopicPartition(m.group(1), Integer.parseInt(m.group(2)));
            LogConfig cfg = configs.apply(tp.topic());
            logs.put(tp, openPartition(tp, dir, cfg == null ? LogConfig.DEFAULT : cfg));
        }
    }

    private DefaultPartitionLog openPartition(TopicPartition tp, Path dir, LogConfig cfg) throws IOException {
        LogLoader.Loaded loaded = LogLoader.load(dir, cfg, config.maxProducerIdsPerPartition());
        return new DefaultPartitionLog(tp, loaded, cfg, clock, writerFor(tp), janitor,
                config.producerIdExpiration().toMillis(), this::reportStorageFailure);
    }

    /** Whether every writer thread is idle (for tests). */
    boolean writersIdle() {
        for (WriterThread w : writers) {
            if (!w.idle()) {
                return false;
            }
        }
        return true;
    }

    private WriterThread writerFor(TopicPartition tp) {
        return writers[Math.floorMod(tp.hashCode(), writers.length)];
    }

    @Override
    public PartitionLog getOrCreate(TopicPartition tp, LogConfig logConfig) throws IOException {
        DefaultPartitionLog existing = logs.get(tp);
        if (existing != null) {
            return existing;
        }
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IOException("log manager is closed");
            }
            existing = logs.get(tp);
            if (existing != null) {
                return existing;
            }
            DefaultPartitionLog log = openPartition(tp, config.dataDir().resolve(tp.dirName()), logConfig);
            logs.put(tp, log);
            return log;
        }
    }

    @Override
    public Optional<PartitionLog> get(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    @Override
    public Collection<PartitionLog> all() {
        return List.copyOf(logs.values());
    }

    /**
     * Closes the partition for appends, then (on its writer, after appends queued before) renames its
     * folder to {@code <dir>.<uuid>-delete}; files go after {@code fileDeleteDelayMs}. Waits for the
     * rename so the same partition can be created again right away.
     */
    @Override
    public void delete(TopicPartition tp) throws IOException {
        synchronized (lifecycleLock) {
            DefaultPartitionLog log = logs.remove(tp);
            if (log == null) {
                return;
            }
            log.markClosed();
            CompletableFuture<Path> renamed = log.onWriter(() -> {
                Path target = log.dir().resolveSibling(log.dir().getFileName() + "."
                        + UUID.randomUUID().toString().replace("-", "") + DELETE_SUFFIX);
                FileIo.move(log.dir(), target);
                Checkpoints.fsyncDir(target.getParent());
                List<LogSegment> segs = new ArrayList<>(log.segments().values());
                janitor.deleteDirLater(target, segs, log.config().fileDeleteDelayMs());
                return target;
            });
            await(renamed);
        }
    }

    @Override
    public void runRetentionNow() {
        List<CompletableFuture<Object>> passes = new ArrayList<>();
        for (DefaultPartitionLog log : logs.values()) {
            passes.add(log.onWriter(() -> {
                log.retentionOnWriter();
                return null;
            }));
        }
        for (CompletableFuture<Object> pass : passes) {
            try {
                await(pass);
            } catch (IOException e) {
                LOG.warn("retention failed", e);
            }
        }
    }

    /** Writes the high-watermark checkpoint of every replicated partition whose high watermark moved. */
    void checkpointHighWatermarks() {
        for (DefaultPartitionLog log : logs.values()) {
            try {
                log.checkpointHighWatermark();
            } catch (IOException e) {
                // a partition deleted meanwhile has no folder left to write in; the next tick retries the others
                LOG.warn("high-watermark checkpoint of {} failed", log.topicPartition(), e);
            }
        }
    }

    private void retentionTick() {
        for (DefaultPartitionLog log : logs.values()) {
            log.onWriter(() -> {
                log.retentionOnWriter();
                return null;
            }).whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.warn("retention of {} failed", log.topicPartition(), e);
                }
            });
        }
    }

    /** Waits for work handed to a writer thread (at most 60 s), unwrapping its IOException. */
    static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("writer did not answer in time", e);
        }
    }

    @Override
    public long cleanNow() throws IOException {
        return cleaner.cleanAllNow();
    }

    /** For tests: the cleaner, to clean a log now. */
    LogCleaner cleaner() {
        return cleaner;
    }

    @Override
    public String dataDirPath() {
        return config.dataDir().toAbsolutePath().toString();
    }

    /** Stops appends, lets writers finish queued work and its group commit, then closes every partition. */
    @Override
    public void close() throws IOException {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        cleaner.shutdown();
        for (DefaultPartitionLog log : logs.values()) {
            log.markClosed();
        }
        for (WriterThread w : writers) {
            try {
                w.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        janitor.runWaitingNow();
        IOException failure = null;
        for (DefaultPartitionLog log : logs.values()) {
            try {
                log.closeFiles();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
