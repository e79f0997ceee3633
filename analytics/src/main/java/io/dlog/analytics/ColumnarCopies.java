package io.dlog.analytics;

import io.dlog.log.PartitionLog;
import io.dlog.log.SealedSegment;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Columnar copies of sealed segments ({@link ColumnarCopy}), so that a scan decodes records only where no
 * copy exists (the active segment, segments not copied yet) and reads the rest as Arrow columns.
 *
 * <p>A copy is written once, by one background thread, when a scan first meets a sealed segment without one:
 * the segment is decoded with the table's schema (bounded batches, this store's own allocator capped at
 * {@code memoryLimit}) into a temporary folder, fsynced, checked against the segment again and renamed into
 * place. Requests beyond {@value #MAX_PENDING} waiting are dropped (the next scan asks again).
 *
 * <p>Never stale: a copy's folder name is a digest of what identifies the segment ({@link SealedSegment}: base
 * offset, next offset, size, the file's inode and modification time) and of the table schema, recomputed from
 * the live segment before every use; a segment cleaned, truncated, deleted or rewritten gets another name,
 * so its old copy is never found again. Old copies are deleted by the builder thread: those of segments no
 * longer sealed in the log when a copy of the partition is written or swept, and those of partitions gone
 * from the catalog every few minutes.
 *
 * <p>Folders: {@code <root>/<topic>-<partition>/<base offset>-<segment digest>-<schema digest>/}. Thread-safe.
 */
public final class ColumnarCopies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ColumnarCopies.class);
    static final int MAX_PENDING = 256;
    private static final long SWEEP_MINUTES = 5;
    private static final String TMP = ".tmp";
    /** Bound of the decoded tails kept in memory (the benchmark's full-column tails of 4 partitions: ~60 MB). */
    static final long DECODED_TAILS_BYTES = 256L << 20;

    private final Path root;
    private final TopicCatalog catalog;
    private final BufferAllocator allocator;
    private final SchemaRegistryClient registry;
    private final ScheduledExecutorService builder;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final AtomicLong copiesWritten = new AtomicLong();
    /** Decoded tails (what no copy covers) kept in memory for the next scan: on wherever copies are. */
    private final DecodedTails tails = new DecodedTails(DECODED_TAILS_BYTES);
    /** Set by close: the builder stops between batches (never interrupted: that would close the log's file channels). */
    private volatile boolean closed;

    private ColumnarCopies(Path root, TopicCatalog catalog, long memoryLimit, SchemaRegistryClient registry) {
        this.root = root;
        this.catalog = catalog;
        this.registry = registry;
        this.allocator = new RootAllocator(memoryLimit);
        this.builder = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "dlog-columnar-copies");
            thread.setDaemon(true);
            thread.setPriority(Thread.MIN_PRIORITY);
            return thread;
        });
    }

    /** Opens the store in {@code root} (created if missing; unfinished copies of an earlier run are deleted). */
    public static ColumnarCopies open(Path root, TopicCatalog catalog, long memoryLimit) throws IOException {
        return open(root, catalog, memoryLimit, null);
    }

    /**
     * Opens the store in {@code root}; Avro copies in the Confluent wire format find their writer schemas in
     * {@code registry} (null: none).
     */
    public static ColumnarCopies open(Path root, TopicCatalog catalog, long memoryLimit, SchemaRegistryClient registry)
            throws IOException {
        Files.createDirectories(root);
        try (Stream<Path> partitions = Files.list(root)) {
            for (Path partition : partitions.toList()) {
                if (Files.isDirectory(partition)) {
                    try (Stream<Path> copies = Files.list(partition)) {
                        for (Path copy : copies.toList()) {
                            if (copy.getFileName().toString().endsWith(TMP)) {
                                deleteRecursively(copy);
                            }
                        }
                    }
                }
            }
        }
        ColumnarCopies copies = new ColumnarCopies(root, catalog, memoryLimit, registry);
        copies.builder.scheduleWithFixedDelay(copies::sweepRemovedPartitions, SWEEP_MINUTES, SWEEP_MINUTES, TimeUnit.MINUTES);
        return copies;
    }

    /** Copies written since the store opened. */
    public long copiesWritten() {
        return copiesWritten.get();
    }

    /**
     * The copy of {@code segment} for {@code table} if one exists and still describes the segment; otherwise
     * empty, and a copy is asked for (written later, in the background).
     */
    Optional<ColumnarCopy> find(PartitionLog log, SealedSegment segment, TableSchema table) {
        Optional<String> name = copyName(segment, table);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        Path dir = partitionDir(log).resolve(name.get());
        if (Files.isRegularFile(dir.resolve(ColumnarCopy.MANIFEST))) {
            try {
                return Optional.of(ColumnarCopy.readManifest(dir));
            } catch (IOException e) {
                LOG.warn("Unreadable columnar copy {}: deleting it", dir, e);
                deleteQuietly(dir);
            }
        }
        requestCopy(log, segment, table, name.get());
        return Optional.empty();
    }

    /**
     * Asks the builder thread to delete the partition's copies whose segment is gone or changed (retention,
     * DeleteRecords, truncation, cleaning); scans call it for each partition they plan.
     */
    void sweepLater(PartitionLog log) {
        if (Files.isDirectory(partitionDir(log))) {
            runLater("sweep " + partitionDir(log), () -> sweep(log, null),
                    e -> LOG.warn("Sweeping the columnar copies of {} failed", log.topicPartition(), e));
        }
    }

    /** Asks the builder thread to delete every copy of the partition (its topic turned copies off). */
    void deleteLater(PartitionLog log) {
        Path dir = partitionDir(log);
        if (Files.isDirectory(dir)) {
            runLater("delete " + dir, () -> deleteRecursively(dir), e -> LOG.warn("Cannot delete {}", dir, e));
        }
    }

    /** Work for the builder thread that may fail. */
    private interface Task {
        void run() throws IOException;
    }

    /**
     * Runs {@code task} on the builder thread unless one with the same {@code id} is waiting or
     * {@value #MAX_PENDING} are (then the next scan asks again).
     */
    private void runLater(String id, Task task, java.util.function.Consumer<Exception> onFailure) {
        if (pending.size() >= MAX_PENDING || !pending.add(id)) {
            return;
        }
        try {
            builder.execute(() -> {
                try {
                    task.run();
                } catch (IOException | RuntimeException e) {
                    onFailure.accept(e);
                } finally {
                    pending.remove(id);
                }
            });
        } catch (RejectedExecutionException e) {
            pending.remove(id); // closing
        }
    }

    /** A copy proved unreadable while in use: it goes, and a new one is asked for by the next scan. */
    void discard(ColumnarCopy copy) {
        deleteQuietly(copy.dir());
    }

    private void requestCopy(PartitionLog log, SealedSegment segment, TableSchema table, String name) {
        runLater(partitionDir(log).resolve(name).toString(), () -> write(log, segment, table, name),
                e -> LOG.warn("Writing the columnar copy of segment {} of {} failed", segment.baseOffset(), log.topicPartition(), e));
    }

    /** Decodes the segment into a temporary folder, then renames it into place if the segment is unchanged. */
    private void write(PartitionLog log, SealedSegment segment, TableSchema table, String name) throws IOException {
        if (closed || segment.nextOffset() > log.highWatermark() || !copyName(segment, table).equals(Optional.of(name))) {
            return; // not all committed yet (a later scan asks again), or already changed
        }
        Path partitionDir = partitionDir(log);
        Path tmp = partitionDir.resolve(name + TMP);
        Path dir = partitionDir.resolve(name);
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        ColumnarCopy copy;
        try {
            copy = writeColumns(log, segment, table, tmp);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        Optional<SealedSegment> now = log.sealedSegments().stream().filter(s -> s.baseOffset() == segment.baseOffset()).findFirst();
        if (now.isEmpty() || !now.flatMap(s -> copyName(s, table)).equals(Optional.of(name))) {
            deleteRecursively(tmp); // cleaned, truncated or deleted while it was read
            return;
        }
        new ColumnarCopy(tmp, copy.rows(), copy.batches(), copy.transactional(), copy.minTimestamp(), copy.maxTimestamp())
                .writeManifest();
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        copiesWritten.incrementAndGet();
        sweep(log, dir);
    }

    private ColumnarCopy writeColumns(PartitionLog log, SealedSegment segment, TableSchema table, Path dir) throws IOException {
        ScanRange range = ScanRange.ALL.withOffsets(segment.baseOffset(), segment.nextOffset());
        List<Field> fields = table.schema().getFields();
        List<FileChannel> channels = new ArrayList<>();
        List<ArrowFileWriter> writers = new ArrayList<>();
        List<VectorSchemaRoot> columns = new ArrayList<>();
        long rows = 0;
        int batches = 0;
        long minTimestamp = Long.MAX_VALUE;
        long maxTimestamp = Long.MIN_VALUE;
        try (BufferAllocator memory = allocator.newChildAllocator("copy-" + log.topicPartition(), 0, allocator.getLimit());
             TopicArrowReader reader = new TopicArrowReader(memory, table, null, List.of(new PartitionScan(log, range)),
                     TopicTables.MAX_BATCH_ROWS, TopicTables.MAX_BATCH_BYTES, 1 << 20, null, registry)) {
            VectorSchemaRoot batch = reader.getVectorSchemaRoot();
            for (int i = 0; i < fields.size(); i++) {
                FieldVector vector = batch.getVector(i);
                FileChannel channel = FileChannel.open(ColumnarCopy.columnFile(dir, i), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                channels.add(channel);
                // One column's root over the reader's vector: it sees each batch the reader loads.
                VectorSchemaRoot column = new VectorSchemaRoot(List.of(fields.get(i)), List.of(vector), 0);
                columns.add(column);
                ArrowFileWriter writer = new ArrowFileWriter(column, null, channel);
                writers.add(writer);
                writer.start();
            }
            while (reader.loadNextBatch()) {
                if (closed) {
                    throw new IOException("closing");
                }
                int count = batch.getRowCount();
                var timestamps = (org.apache.arrow.vector.TimeStampMilliTZVector) batch.getVector(TableSchema.TIMESTAMP);
                for (int row = 0; row < count; row++) {
                    long timestamp = timestamps.get(row);
                    minTimestamp = Math.min(minTimestamp, timestamp);
                    maxTimestamp = Math.max(maxTimestamp, timestamp);
                }
                for (int i = 0; i < writers.size(); i++) {
                    columns.get(i).setRowCount(count);
                    writers.get(i).writeBatch();
                }
                rows += count;
                batches++;
            }
            if (reader.transientDecodeErrors() > 0) {
                // A copy is kept for good: values the registry could not be asked for must be decoded again later.
                throw new IOException(reader.transientDecodeErrors() + " values found no schema registry; not copied");
            }
            for (ArrowFileWriter writer : writers) {
                writer.end();
            }
            for (FileChannel channel : channels) {
                channel.force(true);
            }
            return new ColumnarCopy(dir, rows, batches, reader.sawTransactionalBatch(), minTimestamp, maxTimestamp);
        } finally {
            for (FileChannel channel : channels) {
                channel.close();
            }
        }
    }

    /**
     * Deletes the partition's copies that no longer describe a sealed segment as it is now, and other copies of
     * {@code keep}'s segment (an older state, another schema); {@code keep} may be null.
     */
    private void sweep(PartitionLog log, Path keep) throws IOException {
        Set<String> current = new HashSet<>();
        for (SealedSegment segment : log.sealedSegments()) {
            current.add(identityOf(segment));
        }
        String keepBase = keep == null ? null : baseOf(keep.getFileName().toString());
        try (Stream<Path> copies = Files.list(partitionDir(log))) {
            for (Path copy : copies.toList()) {
                String name = copy.getFileName().toString();
                if (copy.equals(keep) || name.endsWith(TMP)) {
                    continue;
                }
                if (baseOf(name).equals(keepBase) || !current.contains(segmentPart(name))) {
                    deleteQuietly(copy);
                }
            }
        }
    }

    private void sweepRemovedPartitions() {
        try (Stream<Path> partitions = Files.list(root)) {
            Set<String> live = ConcurrentHashMap.newKeySet();
            for (String topic : catalog.topics()) {
                catalog.partitions(topic).forEach(log -> live.add(dirName(log)));
            }
            for (Path partition : partitions.toList()) {
                if (!live.contains(partition.getFileName().toString())) {
                    deleteQuietly(partition);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Sweeping columnar copies of removed partitions failed", e);
        }
    }

    private static String baseOf(String copyName) {
        int dash = copyName.indexOf('-');
        return dash < 0 ? copyName : copyName.substring(0, dash);
    }

    private Path partitionDir(PartitionLog log) {
        return root.resolve(dirName(log));
    }

    private static String dirName(PartitionLog log) {
        return log.topicPartition().topic() + "-" + log.topicPartition().partition();
    }

    /**
     * The copy's folder name for the segment as it is now ({@code <base>-<segment digest>-<schema digest>}), or
     * empty when its file is gone.
     */
    static Optional<String> copyName(SealedSegment segment, TableSchema table) {
        String identity = identityOf(segment);
        return identity == null ? Optional.empty() : Optional.of(identity + "-" + digest(table.toJson()));
    }

    /** {@code <base>-<digest of what identifies the segment>}, or null when its file is gone. */
    private static String identityOf(SealedSegment segment) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(segment.file(), BasicFileAttributes.class);
        } catch (IOException e) {
            return null; // deleted or renamed for deletion
        }
        return segment.baseOffset() + "-" + digest(segment.baseOffset() + "/" + segment.nextOffset() + "/"
                + segment.sizeInBytes() + "/" + attributes.size() + "/" + attributes.fileKey() + "/"
                + attributes.lastModifiedTime().toMillis());
    }

    /** The {@code <base>-<segment digest>} part of a copy's folder name. */
    private static String segmentPart(String copyName) {
        int last = copyName.lastIndexOf('-');
        return last < 0 ? copyName : copyName.substring(0, last);
    }

    private static String digest(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            deleteRecursively(path);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}", path, e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Stops the builder (a copy being written is abandoned and deleted at the next open) and frees its memory. */
    @Override
    public void close() {
        closed = true;
        tails.close();
        builder.shutdown();
        try {
            if (!builder.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The columnar copy writer did not stop within 10 s");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        allocator.close();
    }

    /** The decoded tails scans using these copies keep for later scans. */
    DecodedTails tails() {
        return tails;
    }
}
