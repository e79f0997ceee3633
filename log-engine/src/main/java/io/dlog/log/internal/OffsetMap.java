package io.dlog.log.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's key map, Kafka's "skimpy" offset map: key → latest offset, in a fixed block of memory
 * ({@code log.cleaner.dedupe.buffer.size} shared by the threads). A key is stored as its 16-byte MD5, not
 * its bytes, so every entry costs 24 bytes whatever the key's size; two keys colliding on MD5 would let
 * the older value of one survive (never a newer value lost), a risk Kafka accepts too.
 *
 * <p>Open addressing with linear probing over {@code slots}; at most {@code loadFactor * slots} entries,
 * after which {@link #isFull} tells the caller to stop adding. An empty slot holds offset 0 (offsets are
 * stored plus one).
 *
 * <p>Not thread-safe: one per cleaner thread.
 */
final class OffsetMap {
    private static final int HASH_SIZE = 16;
    private static final int ENTRY_SIZE = HASH_SIZE + 8;

    private final byte[] memory;
    private final ByteBuffer view;
    private final int slots;
    private final int maxEntries;
    private final MessageDigest digest;
    private final byte[] hash = new byte[HASH_SIZE];
    /** Slots filled since the last clear, while few: clearing them beats zeroing the whole block. */
    private final int[] filled = new int[4096];
    private int entries;
    private long latestOffset = -1;
    private long lookups;
    private long probes;

    OffsetMap(int memoryBytes, double loadFactor) {
        this.slots = Math.max(1, memoryBytes / ENTRY_SIZE);
        this.memory = new byte[slots * ENTRY_SIZE];
        this.view = ByteBuffer.wrap(memory);
        this.maxEntries = Math.max(1, (int) (slots * loadFactor));
        try {
            this.digest = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has MD5", e);
        }
    }

    int slots() {
        return slots;
    }

    int size() {
        return entries;
    }

    int maxEntries() {
        return maxEntries;
    }

    /** No room for {@code more} new keys. */
    boolean isFull(int more) {
        return entries + more > maxEntries;
    }

    long latestOffset() {
        return latestOffset;
    }

    /** Average probes per lookup since the last clear (1.0 is perfect); for the clean's log line. */
    double collisionRate() {
        return lookups == 0 ? 0 : (double) (probes - lookups) / lookups;
    }

    /** Records that {@code key} (bytes {@code [from, from+length)} of {@code buf}) is at {@code offset}. */
    void put(ByteBuffer buf, int from, int length, long offset) {
        hashKey(buf, from, length);
        int slot = find();
        int at = slot * ENTRY_SIZE;
        if (view.getLong(at + HASH_SIZE) == 0) {
            if (entries >= maxEntries) {
                throw new IllegalStateException("offset map is full: " + entries + " entries");
            }
            System.arraycopy(hash, 0, memory, at, HASH_SIZE);
            if (entries < filled.length) {
                filled[entries] = slot;
            }
            entries++;
        }
        view.putLong(at + HASH_SIZE, offset + 1);
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset recorded for the key, or -1. */
    long get(ByteBuffer buf, int from, int length) {
        hashKey(buf, from, length);
        int at = find() * ENTRY_SIZE;
        return view.getLong(at + HASH_SIZE) - 1;
    }

    void clear() {
        if (entries <= filled.length) {
            for (int i = 0; i < entries; i++) {
                Arrays.fill(memory, filled[i] * ENTRY_SIZE, (filled[i] + 1) * ENTRY_SIZE, (byte) 0);
            }
        } else {
            Arrays.fill(memory, (byte) 0);
        }
        entries = 0;
        latestOffset = -1;
        lookups = 0;
        probes = 0;
    }

    private void hashKey(ByteBuffer buf, int from, int length) {
        if (buf.hasArray()) {
            digest.update(buf.array(), buf.arrayOffset() + from, length);
        } else {
            ByteBuffer key = buf.duplicate();
            key.limit(from + length).position(from);
            digest.update(key);
        }
        try {
            digest.digest(hash, 0, HASH_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The slot holding the current hash, or the empty slot where it belongs. */
    private int find() {
        lookups++;
        int h = (hash[0] & 0xff) << 24 | (hash[1] & 0xff) << 16 | (hash[2] & 0xff) << 8 | hash[3] & 0xff;
        int slot = Math.floorMod(h, slots);
        while (true) {
            probes++;
            int at = slot * ENTRY_SIZE;
            if (view.getLong(at + HASH_SIZE) == 0 || Arrays.equals(memory, at, at + HASH_SIZE, hash, 0, HASH_SIZE)) {
                return slot;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
