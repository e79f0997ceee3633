package io.dlog.log.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The engine's file-system seam: every file the engine writes is opened, renamed, deleted or made
 * durable through here, so a test can put a layer underneath that models what a power cut keeps (only
 * what was fsynced: file contents at their last {@code force}, directory entries at their folder's last
 * fsync), as LazyFS does. Production uses {@link #REAL}, which is the JDK's calls and nothing else.
 *
 * <p>Thread-safety: the layer is a volatile field, swapped only by tests; layers must be thread-safe.
 */
public final class FileIo {
    /** What the engine asks of a file system. */
    public interface Layer {
        FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;

        void move(Path source, Path target, CopyOption... options) throws IOException;

        boolean deleteIfExists(Path path) throws IOException;

        void createDirectories(Path dir) throws IOException;

        /** Makes the entries of {@code dir} (creates, renames, deletes) durable. */
        void fsyncDir(Path dir) throws IOException;
    }

    /** The JDK, unchanged. */
    public static final Layer REAL = new Layer() {
        @Override
        public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
            return FileChannel.open(path, options);
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            Files.move(source, target, options);
        }

        @Override
        public boolean deleteIfExists(Path path) throws IOException {
            return Files.deleteIfExists(path);
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            Files.createDirectories(dir);
        }

        @Override
        public void fsyncDir(Path dir) throws IOException {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException e) {
                if (System.getProperty("os.name", "").startsWith("Windows")) {
                    return; // folders cannot be opened there
                }
                throw e;
            }
        }
    };

    private static volatile Layer layer = REAL;

    private FileIo() {
    }

    /** For tests: routes every engine file operation through {@code testLayer} until {@link #reset}. */
    public static void install(Layer testLayer) {
        layer = testLayer;
    }

    public static void reset() {
        layer = REAL;
    }

    /** Crash-atomic replacement of a small file ({@link Checkpoints#writeAtomically}). */
    public static void writeAtomically(Path target, java.nio.ByteBuffer content) throws IOException {
        Checkpoints.writeAtomically(target, content);
    }

    /** A folder's fsync ({@link Checkpoints#fsyncDir}), for {@link io.dlog.log.DurableFiles}. */
    public static void fsyncFolder(Path dir) throws IOException {
        Checkpoints.fsyncDir(dir);
    }

    static FileChannel open(Path path, OpenOption... options) throws IOException {
        return layer.open(path, Set.of(options));
    }

    static void move(Path source, Path target, CopyOption... options) throws IOException {
        layer.move(source, target, options);
    }

    static boolean deleteIfExists(Path path) throws IOException {
        return layer.deleteIfExists(path);
    }

    static void delete(Path path) throws IOException {
        if (!layer.deleteIfExists(path)) {
            throw new NoSuchFileException(path.toString());
        }
    }

    static void createDirectories(Path dir) throws IOException {
        layer.createDirectories(dir);
    }

    static void fsyncDir(Path dir) throws IOException {
        layer.fsyncDir(dir);
    }
}
