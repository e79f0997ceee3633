package io.dlog.cluster;

import io.dlog.log.metadata.MetadataImage;

/**
 * Turns image changes into local actions (open or delete partition logs, reload coordinators).
 * Called on the metadata applier thread, in log order, once per applied change, snapshot load or
 * snapshot install; {@code next.version()} only grows. Must not throw: a failure is logged and handled
 * locally (the partition goes offline), never allowed to stop the replica from applying.
 */
@FunctionalInterface
public interface ImageListener {
    void onImage(MetadataImage previous, MetadataImage next);
}
