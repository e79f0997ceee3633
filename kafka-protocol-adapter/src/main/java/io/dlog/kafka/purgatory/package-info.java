/**
 * Where long polls wait for data without a parked thread: {@link io.dlog.kafka.purgatory.FetchPurgatory}, keyed by
 * partition. Fetch ({@code handlers.fetch}) and share fetches ({@code io.dlog.kafka.share}) park in it; Produce, the
 * replica layer's high-watermark listeners, transaction markers and share releases wake it (a high watermark moved by
 * followers catching up wakes consumers' fetches, not followers', which wait for new bytes). It lives here, outside the
 * request layer, because the share package parks in it too.
 *
 * <p>Concurrency contract: thread-safe; registration and wake-ups use the map's atomic compute, re-checks and timers
 * run on the waiter's own executor (its connection's event loop) or the purgatory's scheduler, never on the
 * appender's thread. Every wake call moves one shared counter before it looks up the waiters; a fetch that samples the
 * counter before its first read and finds it unchanged once registered skips the re-read after parking (no wake call
 * can fall between the two unseen). When the listener stops, {@code shutdown()} answers every parked fetch before the event loops
 * end (their pending timers would be dropped with them, and an unanswered request never frees its frame).
 */
package io.dlog.kafka.purgatory;
