/**
 * The log engine's implementation; nothing here is API.
 *
 * <p>Concurrency contract: each partition belongs to one {@link io.dlog.log.internal.WriterThread},
 * the only thread that writes its files or changes its state (appends, rolls, retention, DeleteRecords,
 * deletion); other threads hand it work through a FIFO queue and get a future back, never blocking (the queue is
 * bounded upstream, by the request memory budget of the network layer). The one exception to "the
 * writer's own thread": a produce append short enough for an event loop (a page-cache write, no fsync, roll
 * or new epoch) runs on its submitter's thread when the writer has nothing queued or running, holding the
 * writer's lock, which the writer also holds while it runs tasks; so there is still one writer at a time,
 * in submission order (saves the two thread wake-ups of a hand-off, most of a small produce's latency).
 * Readers run on any thread without locks: they read volatile offsets first, then only bytes below the
 * segment size published after those bytes were written. Files removed while readers may hold them
 * are closed and deleted by {@link io.dlog.log.internal.SegmentJanitor} after {@code fileDeleteDelayMs}; their
 * page cache is dropped at once on the janitor's thread (a reader in flight then reads from disk).
 * The log cleaner's threads ({@link io.dlog.log.internal.LogCleaner}) are the one exception to "only the
 * writer touches a partition's files": they read sealed segments (never written again) and write new
 * {@code .cleaned} files nobody else knows; putting a cleaned segment in place runs on the writer, which
 * refuses it if retention or deletion changed the segments meanwhile.
 * Callers must not interrupt threads that read slices: an interrupt during {@code FileChannel} I/O
 * closes the shared channel.
 *
 * <p>Replica storage follows the same contract: follower appends, truncations, high-watermark updates and
 * mode changes run on the partition's writer, in submission order with its appends. A truncation lowers
 * the published offsets before it removes bytes; removed segments go through the janitor, and only the
 * segment holding the new end is cut in place (a read already past the cut meets the end of the file, an
 * {@code IOException} for that read). The high-watermark checkpoint is the one file written off the
 * writer thread (the manager's scheduler), serialized with mode changes by a per-partition lock.
 *
 * <p>One JVM-wide thread, {@code dlog-preallocate} ({@link io.dlog.log.internal.SegmentPreallocation}), allocates disk
 * blocks past active segments' ends without changing their length; the writer queues the requests and never waits for
 * them in Java (the kernel can still make an append wait for the inode lock an allocation holds), and seals take the
 * segment's monitor to free what is left, so no allocation outlives its descriptor.
 *
 * <p>One more JVM-wide thread, {@code dlog-writeback} ({@link io.dlog.log.internal.SegmentWriteback}), starts the disk
 * writes of each active segment's pages a mebibyte behind its end ({@code sync_file_range}, no waiting); the writer
 * hands it ranges under a monitor no system call holds, and each call opens and closes the file itself, so a seal or
 * deletion only drops what is still queued.
 *
 * <p>A partition that meets an I/O error goes offline on the thread that met it (its writer, or an inline appender)
 * and tells the manager's {@link io.dlog.log.StorageFailureListener} there, once it was not closing; the listener
 * returns at once (the broker starts a thread of its own to stop the node).
 */
package io.dlog.log.internal;
