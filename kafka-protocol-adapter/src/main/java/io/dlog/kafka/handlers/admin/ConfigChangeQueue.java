package io.dlog.kafka.handlers.admin;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs config alterations one after another. An alteration reads the current overrides, computes new
 * ones and hands them to the TopicService, which replaces the stored set; two running at once could
 * lose one's update. Chaining them here means each starts from the image its predecessor left.
 *
 * <p>Thread-safe. A change runs on the thread that completed its predecessor (the admin thread), or at
 * once on the caller's thread when nothing is pending; it must not block (it only computes and hands
 * its write to the TopicService).
 */
public final class ConfigChangeQueue {
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    synchronized <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> change) {
        CompletableFuture<T> result = tail.handle((ignored, failure) -> null).thenCompose(ignored -> change.get());
        tail = result;
        return result;
    }
}
