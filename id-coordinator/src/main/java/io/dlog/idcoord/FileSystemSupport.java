package io.dlog.idcoord;

import java.io.IOException;
import java.nio.file.FileStore;
import java.util.Locale;
import java.util.Set;

/**
 * What we know about a filesystem from Java: its type name and block size. The JDK exposes no
 * {@code st_blocks}, so sparseness cannot be measured portably; instead filesystems known not to
 * support sparse files are refused, and everything else is assumed sparse (documented in
 * docs/id-coordinator.md).
 */
final class FileSystemSupport {
    /** Filesystems that zero-fill on extension: the counter would allocate one byte per value. */
    static final Set<String> NON_SPARSE = Set.of("vfat", "msdos", "fat", "fat32", "exfat", "hfs", "hfsplus");

    private FileSystemSupport() {
    }

    static void requireSparse(FileStore store) throws IOException {
        String type = store.type().toLowerCase(Locale.ROOT);
        if (NON_SPARSE.contains(type)) {
            throw new IOException("filesystem " + store.name() + " (" + type + ") does not support sparse files;"
                    + " a sparse append counter there would allocate one byte of disk per value");
        }
    }

    /**
     * The largest file length the filesystem accepts, where known. ext4 with extents caps a file
     * at 2^32 - 1 blocks (16 TiB - 4 KiB with 4 KiB blocks). Elsewhere we rely on the kernel's
     * {@code EFBIG}, which {@link FileCounterFile} turns into {@link CounterExhaustedException}.
     */
    static long maxFileSize(FileStore store) {
        if (!"ext4".equals(store.type().toLowerCase(Locale.ROOT))) {
            return Long.MAX_VALUE;
        }
        long blockSize;
        try {
            blockSize = store.getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            blockSize = 4096;
        }
        return ((1L << 32) - 1) * blockSize;
    }
}
