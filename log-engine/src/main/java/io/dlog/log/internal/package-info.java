/**
 * The log engine's implementation; nothing here is API.
 *
 * <p>Concurrency contract: each partition belongs to one {@link io.dlog.log.internal.WriterThread},
 * the only thread that writes its files or changes its state (appends, rolls, retention, DeleteRecords,
 * deletion); other threads hand it work through a bounded queue and get a future back, never blocking.
 * Readers run on any thread without locks: they read volatile offsets first, then only bytes below the
 * segment size published after those bytes were written. Files removed while readers may hold them
 * are closed and deleted by {@link io.dlog.log.internal.SegmentJanitor} after {@code fileDeleteDelayMs}.
 * Callers must not interrupt threads that read slices: an interrupt during {@code FileChannel} I/O
 * closes the shared channel.
 */
package io.dlog.log.internal;
