package io.dlog.cluster.internal;

import io.dlog.cluster.ImageListener;
import io.dlog.cluster.MetadataApplier;
import io.dlog.cluster.MetadataCommand;
import io.dlog.log.DurableFiles;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata group's Ratis state machine: applies {@link MetadataCommand}s to the image with
 * {@link MetadataApplier}, tells the {@link ImageListener}, and snapshots the image to one file.
 *
 * <p>Threads: Ratis calls apply, snapshot and reinitialize on its state-machine updater thread, one at
 * a time; {@link #image()} and {@link #awaitApplied} may be called from any thread. The image and the
 * applied index are published through volatile fields after the listener ran, so a waiter woken for
 * index i sees every local action of changes up to i.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);
    /** Told when the log cannot be written (see {@link #notifyLogFailed}); nobody until the broker sets it. */
    private volatile java.util.function.Consumer<Throwable> logFailureListener = cause -> {
    };
    /** Told when this replica cannot apply an entry (see {@link #applyTransaction}); nobody until the broker sets it. */
    private volatile java.util.function.Consumer<Throwable> applyFailureListener = cause -> {
    };

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ImageListener listener;
    private final Function<byte[], CompletableFuture<byte[]>> queryHandler;
    private final CopyOnWriteArrayList<Runnable> leaderReady = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<java.util.function.Consumer<MetadataCommand>> appliedObservers = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<java.util.function.Consumer<RaftPeerId>> leaderChanged = new CopyOnWriteArrayList<>();
    /** Waiters by the index they wait for; completed by the updater thread. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long appliedIndex = -1;
    private final Applier applier;

    /** The rules applied to each command: {@link MetadataApplier#apply}; another only in tests of a failing rule. */
    @FunctionalInterface
    interface Applier {
        MetadataApplier.Applied apply(MetadataImage image, MetadataCommand command, long index);
    }

    MetadataStateMachine(ImageListener listener, Function<byte[], CompletableFuture<byte[]>> queryHandler) {
        this(listener, queryHandler, MetadataApplier::apply);
    }

    MetadataStateMachine(ImageListener listener, Function<byte[], CompletableFuture<byte[]>> queryHandler,
                         Applier applier) {
        this.listener = listener;
        this.queryHandler = queryHandler;
        this.applier = applier;
    }

    MetadataImage image() {
        return image;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    void onApplied(java.util.function.Consumer<MetadataCommand> observer) {
        appliedObservers.add(observer);
    }

    void onLeaderReady(Runnable action) {
        leaderReady.add(action);
    }

    void onLeaderChanged(java.util.function.Consumer<RaftPeerId> action) {
        leaderChanged.add(action);
    }

    /** Completes once this replica applied the log up to {@code index}. */
    CompletableFuture<Void> awaitApplied(long index) {
        if (appliedIndex >= index) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> waiter = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
        if (appliedIndex >= index) { // applied between the check and the registration
            waiters.remove(index);
            waiter.complete(null);
        }
        return waiter;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        // After a snapshot was installed from the leader (this replica was too far behind).
        loadLatestSnapshot();
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.getLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        }
        MetadataImage loaded;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            loaded = MetadataCodec.readImage(in);
        }
        TermIndex last = snapshot.getTermIndex();
        publish(loaded, last);
        LOG.info("Metadata image loaded from snapshot at index {} ({} topics, {} brokers)", last.getIndex(),
                loaded.topics().size(), loaded.brokers().size());
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex termIndex = TermIndex.valueOf(entry);
        byte[] bytes = entry.getStateMachineLogEntry().getLogData().toByteArray();
        MetadataApplier.Applied applied;
        MetadataCommand command = null;
        try {
            command = MetadataCodec.decodeCommand(bytes);
            applied = applier.apply(image, command, termIndex.getIndex());
        } catch (IOException e) {
            // Written by a newer release or damaged: the log is the same on every replica, so every
            // replica refuses it alike and the images stay equal.
            LOG.error("Metadata log entry {} cannot be read; skipped", termIndex, e);
            applied = new MetadataApplier.Applied(image.withVersion(termIndex.getIndex()),
                    Optional.of(new MetadataException(MetadataException.Reason.INVALID_COMMAND, e.getMessage())));
        } catch (RuntimeException e) {
            // A rule threw: a bug. The rules are pure functions of the image and the command, which are the same on
            // every replica, so every replica throws alike here; refusing the command on all of them keeps their
            // images equal and the group running. Let through, the exception would make Ratis close this replica's
            // division, and every voter's at once on the same entry: the cluster's metadata would stop.
            LOG.error("Applying metadata command {} at {} failed; it is refused (on every node alike)", command,
                    termIndex, e);
            applied = new MetadataApplier.Applied(image.withVersion(termIndex.getIndex()),
                    Optional.of(new MetadataException(MetadataException.Reason.RULE_FAILED, "applying " + command
                            + " failed: " + e)));
        } catch (Error e) {
            // This JVM, not the command (out of memory, a class that cannot load): the other replicas may apply the
            // entry, so skipping it here would make this image differ from theirs. Ratis stops this replica's
            // division when the error reaches it; the node is told to stop too, rather than serve on as a zombie
            // whose image no longer moves.
            LOG.error("This node cannot apply metadata entry {}; it stops", termIndex, e);
            applyFailureListener.accept(e);
            throw e;
        }
        publish(applied.image(), termIndex);
        if (command != null) {
            // After the publish: an observer that reads image() sees this command's outcome in it.
            for (java.util.function.Consumer<MetadataCommand> observer : appliedObservers) {
                try {
                    observer.accept(command);
                } catch (RuntimeException e) {
                    // An observer only acts on this node (a proposal, a wake-up): its failure must not stop the group.
                    LOG.error("Acting on applied metadata command {} at {} failed", command, termIndex, e);
                }
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                MetadataCodec.encodeOutcome(applied.refusal()))));
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        // Raft configuration and leader no-op entries: no image change, but the applied index moves.
        super.notifyTermIndexUpdated(term, index);
        advance(index);
    }

    private void publish(MetadataImage next, TermIndex termIndex) {
        MetadataImage previous = image;
        try {
            listener.onImage(previous, next);
        } catch (RuntimeException e) {
            LOG.error("Acting on metadata change {} failed", termIndex, e);
        }
        image = next;
        updateLastAppliedTermIndex(termIndex);
        advance(termIndex.getIndex());
    }

    private void advance(long index) {
        appliedIndex = Math.max(appliedIndex, index);
        Map<Long, CompletableFuture<Void>> done = waiters.headMap(appliedIndex, true);
        for (Map.Entry<Long, CompletableFuture<Void>> waiter : done.entrySet()) {
            if (waiters.remove(waiter.getKey(), waiter.getValue())) {
                waiter.getValue().complete(null);
            }
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snapshotImage = image;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = target.toPath().resolveSibling(target.getName() + ".tmp");
        // Durable before it is named and before this returns: Ratis then purges the log entries the snapshot covers,
        // so a snapshot left in the page cache alone would take them with it at a power cut.
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
            MetadataCodec.writeImage(out, snapshotImage.withVersion(Math.max(snapshotImage.version(), 0)));
            out.flush();
            channel.force(true);
        }
        Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
        DurableFiles.fsyncFolder(target.toPath().getParent()); // the two renames
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        LOG.info("Metadata snapshot taken at index {}", last.getIndex());
        return last.getIndex();
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        return queryHandler.apply(request.getContent().toByteArray())
                .thenApply(bytes -> Message.valueOf(ByteString.copyFrom(bytes)));
    }

    void setLogFailureListener(java.util.function.Consumer<Throwable> listener) {
        logFailureListener = listener;
    }

    /** Sets who is told when this replica cannot apply an entry (the node then stops). */
    void setApplyFailureListener(java.util.function.Consumer<Throwable> listener) {
        applyFailureListener = listener;
    }

    /**
     * Ratis could not write an entry to this replica's log (a full or failing disk): the replica stops following,
     * the node fences itself once its image stalls, and the leader's retries (snapshot installs) fail on the same
     * disk, each with a stack trace. The broker stops the node instead (its DataFolderFailure).
     */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        LOG.error("Writing the metadata log failed{}", failedEntry == null ? ""
                : " at index " + failedEntry.getIndex(), cause);
        logFailureListener.accept(cause);
    }

    @Override
    public void notifyLeaderReady() {
        leaderReady.forEach(Runnable::run);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leaderChanged.forEach(action -> action.accept(newLeaderId));
    }
}
