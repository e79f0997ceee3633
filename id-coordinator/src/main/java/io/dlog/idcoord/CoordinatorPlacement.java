package io.dlog.idcoord;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;

/**
 * Places a coordinator (group, transaction) by rendezvous, or highest-random-weight, hashing:
 * every live node gets a pseudo-random weight for the key, and the heaviest node owns it.
 *
 * <p>Invariants: the owner depends only on the key and the <em>set</em> of live nodes (not its
 * order or duplicates). When a node leaves, only the keys it owned move, each to the node with the
 * next weight; when a node joins, only keys it now wins move, all to it. Every node, in every
 * version, must compute the same owner, so the hash is fixed here (FNV-1a 64 over the key's UTF-8
 * bytes, then MurmurHash3's 64-bit finalizer mixed with the node id) and pinned by tests; never
 * change it without a migration plan.
 *
 * <p>Thread-safety: stateless; safe for any number of threads.
 */
public final class CoordinatorPlacement {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private CoordinatorPlacement() {
    }

    /**
     * The live node that coordinates {@code key}.
     *
     * @param key a group id, transactional id, or any other coordinator key
     * @param liveNodes the ids of the live nodes; not empty, no nulls
     * @return the owner, one of {@code liveNodes}
     * @throws IllegalArgumentException if {@code liveNodes} is empty
     */
    public static int ownerOf(String key, Collection<Integer> liveNodes) {
        Objects.requireNonNull(key, "key");
        if (liveNodes.isEmpty()) {
            throw new IllegalArgumentException("no live nodes to place " + key + " on");
        }
        long keyHash = keyHash(key);
        int owner = 0;
        long ownerWeight = 0;
        boolean first = true;
        for (Integer node : liveNodes) {
            int id = Objects.requireNonNull(node, "liveNodes contains null");
            long weight = weight(keyHash, id);
            int order = Long.compareUnsigned(weight, ownerWeight);
            if (first || order > 0 || (order == 0 && id < owner)) {
                owner = id;
                ownerWeight = weight;
                first = false;
            }
        }
        return owner;
    }

    static long keyHash(String key) {
        long hash = FNV_OFFSET;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        return mix64(hash);
    }

    static long weight(long keyHash, int node) {
        return mix64(keyHash ^ mix64((node + 1L) * GOLDEN));
    }

    /** MurmurHash3's fmix64. */
    static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
