package io.dlog.log.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A power-loss model of the file system under one root, for {@link FileIo} (what LazyFS does for a real
 * mount): a file's content survives a power cut as it was at its last {@code force}, and a folder's
 * entries (creates, renames, deletes) as they were at the folder's last fsync. Everything else is lost:
 * {@link #crashInto} writes the surviving tree to another folder, which a new log manager then opens.
 *
 * <p>Files and folders are tracked as inodes, so a renamed file keeps what was forced under its old name,
 * and an entry renamed but not fsynced reappears under its old name. Everything that existed under the
 * root when the layer was made counts as durable. Paths outside the root pass straight to the JDK.
 *
 * <p>Thread-safety: every operation synchronizes on the layer.
 */
final class PowerLossFileSystem implements FileIo.Layer {
    private final Path root;
    private long nextInode;
    /** The live namespace: path to inode. */
    private final Map<Path, Long> names = new HashMap<>();
    private final Set<Long> folders = new HashSet<>();
    /** File content at the inode's last force; absent: never forced (empty after a crash). */
    private final Map<Long, byte[]> durableContent = new HashMap<>();
    /** A folder's entries at its last fsync. */
    private final Map<Long, Map<String, Long>> durableEntries = new HashMap<>();
    private long forces;
    private long folderSyncs;

    PowerLossFileSystem(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        track(this.root);
        try (Stream<Path> all = Files.walk(this.root)) {
            for (Path p : all.sorted().toList()) {
                long inode = track(p);
                if (!Files.isDirectory(p)) {
                    durableContent.put(inode, Files.readAllBytes(p));
                }
            }
        }
        for (long folder : folders) {
            durableEntries.put(folder, liveEntries(folder));
        }
    }

    private long track(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Long existing = names.get(abs);
        if (existing != null) {
            return existing;
        }
        long inode = nextInode++;
        names.put(abs, inode);
        if (Files.isDirectory(abs)) {
            folders.add(inode);
        }
        return inode;
    }

    private boolean under(Path p) {
        return p.toAbsolutePath().normalize().startsWith(root);
    }

    private Path pathOf(long inode) {
        for (Map.Entry<Path, Long> e : names.entrySet()) {
            if (e.getValue() == inode) {
                return e.getKey();
            }
        }
        return null;
    }

    private Map<String, Long> liveEntries(long folder) {
        Path dir = pathOf(folder);
        Map<String, Long> entries = new TreeMap<>();
        if (dir != null) {
            names.forEach((p, inode) -> {
                if (dir.equals(p.getParent())) {
                    entries.put(p.getFileName().toString(), inode);
                }
            });
        }
        return entries;
    }

    @Override
    public synchronized FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        if (!under(path)) {
            return FileIo.REAL.open(path, options);
        }
        Path abs = path.toAbsolutePath().normalize();
        boolean existed = Files.exists(abs);
        Set<OpenOption> readable = new HashSet<>(options);
        readable.add(java.nio.file.StandardOpenOption.READ); // force() reads the content back
        FileChannel real = FileChannel.open(abs, readable);
        Long inode = names.get(abs);
        if (inode == null) {
            inode = track(abs);
            if (existed) {
                durableContent.put(inode, Files.readAllBytes(abs)); // made outside the engine: as it is
            }
        }
        return new Tracked(real, inode);
    }

    @Override
    public synchronized void move(Path source, Path target, CopyOption... options) throws IOException {
        FileIo.REAL.move(source, target, options);
        if (!under(source) && !under(target)) {
            return;
        }
        Path from = source.toAbsolutePath().normalize();
        Path to = target.toAbsolutePath().normalize();
        names.keySet().removeIf(p -> p.equals(to) || p.startsWith(to));
        Map<Path, Long> moved = new HashMap<>();
        names.entrySet().removeIf(e -> {
            if (e.getKey().equals(from) || e.getKey().startsWith(from)) {
                moved.put(to.resolve(from.relativize(e.getKey())).normalize(), e.getValue());
                return true;
            }
            return false;
        });
        names.putAll(moved);
    }

    @Override
    public synchronized boolean deleteIfExists(Path path) throws IOException {
        boolean deleted = FileIo.REAL.deleteIfExists(path);
        if (under(path)) {
            names.remove(path.toAbsolutePath().normalize());
        }
        return deleted;
    }

    @Override
    public synchronized void createDirectories(Path dir) throws IOException {
        FileIo.REAL.createDirectories(dir);
        if (under(dir)) {
            Path abs = dir.toAbsolutePath().normalize();
            List<Path> chain = new ArrayList<>();
            for (Path p = abs; p != null && p.startsWith(root); p = p.getParent()) {
                chain.add(0, p);
            }
            chain.forEach(this::track);
        }
    }

    @Override
    public synchronized void fsyncDir(Path dir) throws IOException {
        if (!under(dir)) {
            FileIo.REAL.fsyncDir(dir);
            return;
        }
        Long folder = names.get(dir.toAbsolutePath().normalize());
        if (folder != null) {
            durableEntries.put(folder, liveEntries(folder));
            folderSyncs++;
        }
    }

    /** The power cut: writes what survives under {@code target} (an empty or missing folder). */
    synchronized void crashInto(Path target) throws IOException {
        Files.createDirectories(target);
        materialize(names.get(root), target);
    }

    private void materialize(long folder, Path target) throws IOException {
        for (Map.Entry<String, Long> e : durableEntries.getOrDefault(folder, Map.of()).entrySet()) {
            Path out = target.resolve(e.getKey());
            if (folders.contains(e.getValue())) {
                Files.createDirectories(out);
                materialize(e.getValue(), out);
            } else {
                Files.write(out, durableContent.getOrDefault(e.getValue(), new byte[0]));
            }
        }
    }

    synchronized String stats() {
        return forces + " file fsyncs, " + folderSyncs + " folder fsyncs";
    }

    private synchronized void onForce(FileChannel real, long inode) {
        try {
            long size = real.size();
            ByteBuffer all = ByteBuffer.allocate((int) size);
            while (all.hasRemaining() && real.read(all, all.position()) >= 0) {
                // read it all
            }
            durableContent.put(inode, all.array());
            forces++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A channel whose {@code force} records the file's content as durable. */
    private final class Tracked extends FileChannel {
        private final FileChannel real;
        private final long inode;

        Tracked(FileChannel real, long inode) {
            this.real = real;
            this.inode = inode;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
            onForce(real, inode);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
