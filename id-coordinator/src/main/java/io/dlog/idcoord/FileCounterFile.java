package io.dlog.idcoord;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The real {@link CounterFile}: {@code ftruncate} to grow (a hole, no data blocks) and
 * {@code fsync} to make the length durable.
 *
 * <p>Both go through {@link RandomAccessFile} and its {@link java.io.FileDescriptor}, not through
 * {@link FileChannel#force}: a {@code FileChannel} is interruptible, and an interrupt that lands
 * while one caller leads a group commit would close the channel under every other caller.
 * {@code FileDescriptor.sync()} is {@code fsync(2)}, a superset of {@code fdatasync(2)}; for a
 * size-only change both must commit the inode, so they cost the same (see docs/benchmarks.md).
 *
 * <p>The file is locked ({@code flock}) for as long as it is open, so two processes can't share
 * one counter; the OS drops the lock when the process dies, even by {@code kill -9}.
 */
final class FileCounterFile implements CounterFile {
    private final Path path;
    private final RandomAccessFile file;

    private FileCounterFile(Path path, RandomAccessFile file) {
        this.path = path;
        this.file = file;
    }

    static FileCounterFile open(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        boolean created;
        try {
            Files.createFile(absolute);
            created = true;
        } catch (FileAlreadyExistsException e) {
            created = false;
        }
        if (!Files.isRegularFile(absolute)) {
            throw new IOException("counter file " + absolute + " is not a regular file");
        }
        if (created) {
            // Without this, a power loss could forget the file and the counter would restart at 0.
            syncDirectory(absolute.getParent());
        }
        RandomAccessFile raf = new RandomAccessFile(absolute.toFile(), "rw");
        try {
            FileLock lock;
            try {
                lock = raf.getChannel().tryLock();
            } catch (OverlappingFileLockException e) {
                throw new IOException("counter file " + absolute + " is already open in this JVM", e);
            }
            if (lock == null) {
                throw new IOException("counter file " + absolute + " is in use by another process");
            }
            return new FileCounterFile(absolute, raf);
        } catch (IOException | RuntimeException e) {
            closeQuietly(raf, e);
            throw e;
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public long size() throws IOException {
        return file.length();
    }

    @Override
    public void extendTo(long length) throws IOException {
        try {
            file.setLength(length);
        } catch (IOException e) {
            // EFBIG: the JDK only gives us strerror's text.
            if (e.getMessage() != null && e.getMessage().contains("File too large")) {
                throw new CounterExhaustedException("counter file " + path + " cannot grow to " + length
                        + " bytes: the filesystem's maximum file size is reached", e);
            }
            throw e;
        }
    }

    @Override
    public void force() throws IOException {
        file.getFD().sync();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static void closeQuietly(RandomAccessFile raf, Exception primary) {
        try {
            raf.close();
        } catch (IOException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }
}
