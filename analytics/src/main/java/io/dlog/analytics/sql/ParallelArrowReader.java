package io.dlog.analytics.sql;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One Arrow stream over several readers of the same schema (a topic's partitions), whose batches are read
 * (decoded) on an executor's threads at once: DuckDB reads one Arrow stream's batches one at a time, under a
 * lock, and reads the streams of a UNION ALL one after the other (measured: four streams of a UNION ALL view
 * took four times one stream's time), so the parallelism has to come from behind a single stream.
 *
 * <p>Each source reader is read by one task at a time (a task loads one batch and ends: tasks never wait,
 * so a stalled consumer of one query holds no executor thread and cannot starve another query); at most
 * {@code ahead} batches are being read or wait to be taken, so memory stays bounded by that many batches
 * beside the one handed out. Batches come in the order they are ready: a partition's batches in order, the
 * partitions interleaved (SQL promises no row order without ORDER BY).
 *
 * <p>Not thread-safe, as any {@link ArrowReader}: one consumer thread at a time; the source readers are
 * touched only by the task reading them (the executor's hand-off orders one task after the next).
 */
final class ParallelArrowReader extends ArrowReader {
    private final List<ArrowReader> sources;
    private final Executor executor;
    private final int ahead;
    private final Schema schema;
    /** Per source: true while a task reads it or its batch waits to be taken. */
    private final boolean[] busy;
    private final boolean[] exhausted;
    private final BlockingQueue<Loaded> loaded = new LinkedBlockingQueue<>();
    private int inFlight;

    /** A source's next batch (null at its end) or why reading it failed. */
    private record Loaded(int source, ArrowRecordBatch batch, Throwable failure) {
    }

    /**
     * @param sources readers with one schema, owned by this reader from now on (closed with it)
     * @param ahead   how many batches may be read ahead of the consumer (at least 1)
     */
    ParallelArrowReader(BufferAllocator allocator, List<? extends ArrowReader> sources, Executor executor, int ahead)
            throws IOException {
        super(allocator);
        if (sources.isEmpty() || ahead < 1) {
            throw new IllegalArgumentException("at least one source and one batch ahead");
        }
        this.sources = new ArrayList<>(sources);
        this.executor = executor;
        this.ahead = ahead;
        this.schema = sources.get(0).getVectorSchemaRoot().getSchema();
        this.busy = new boolean[sources.size()];
        this.exhausted = new boolean[sources.size()];
    }

    @Override
    public boolean loadNextBatch() throws IOException {
        prepareLoadNextBatch();
        VectorSchemaRoot root = getVectorSchemaRoot();
        while (true) {
            submitReads();
            if (inFlight == 0) {
                root.setRowCount(0);
                return false;
            }
            Loaded next = take();
            inFlight--;
            busy[next.source()] = false;
            if (next.failure() != null) {
                exhausted[next.source()] = true;
                if (next.failure() instanceof IOException e) {
                    throw e;
                }
                throw new IOException("reading a partition failed: " + next.failure().getMessage(), next.failure());
            }
            if (next.batch() == null) {
                exhausted[next.source()] = true;
                continue;
            }
            try (ArrowRecordBatch batch = next.batch()) {
                new VectorLoader(root).load(batch);
            }
            submitReads();
            return true;
        }
    }

    /** Starts reads of idle sources, lowest first, while fewer than {@code ahead} batches are on the way. */
    private void submitReads() {
        for (int i = 0; i < sources.size() && inFlight < ahead; i++) {
            if (!busy[i] && !exhausted[i]) {
                busy[i] = true;
                inFlight++;
                int source = i;
                try {
                    executor.execute(() -> loaded.add(read(source)));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    loaded.add(read(source)); // no thread to spare: read it here
                }
            }
        }
    }

    /** Runs on the executor: the source's next batch, unloaded (its buffers retained) so the source may go on. */
    private Loaded read(int source) {
        try {
            ArrowReader reader = sources.get(source);
            if (!reader.loadNextBatch()) {
                return new Loaded(source, null, null);
            }
            return new Loaded(source, new VectorUnloader(reader.getVectorSchemaRoot()).getRecordBatch(), null);
        } catch (Throwable t) {
            return new Loaded(source, null, t);
        }
    }

    private Loaded take() throws IOException {
        try {
            return loaded.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a partition's batch");
        }
    }

    @Override
    public long bytesRead() {
        return 0;
    }

    /** Waits for the reads on the way (each ends after one batch), releases their batches, closes the sources. */
    @Override
    protected void closeReadSource() throws IOException {
        boolean interrupted = false;
        while (inFlight > 0) {
            try {
                Loaded next = loaded.take();
                inFlight--;
                if (next.batch() != null) {
                    next.batch().close();
                }
            } catch (InterruptedException e) {
                interrupted = true; // the sources cannot be closed under a running task: keep waiting
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        IOException failure = null;
        for (ArrowReader source : sources) {
            try {
                source.close();
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = new IOException("closing a partition's reader failed", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    protected Schema readSchema() {
        return schema;
    }
}
