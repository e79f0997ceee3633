package io.dlog.kafka.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.KRaftVersionRecord;
import org.apache.kafka.common.message.SnapshotFooterRecord;
import org.apache.kafka.common.message.SnapshotHeaderRecord;
import org.apache.kafka.common.message.VotersRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.ControlRecordUtils;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The initial voters of a dynamic metadata quorum (KIP-853), in the file Kafka's {@code kafka-storage format
 * --initial-controllers} (or {@code --standalone}) writes: the bootstrap snapshot
 * {@code __cluster_metadata-0/00000000000000000000-0000000000.checkpoint} of the metadata folder, control batches
 * holding a snapshot header, the {@code kraft.version} (1) and the voters with their endpoints, then a footer.
 * DLog reads it so that nodes configured with {@code controller.quorum.bootstrap.servers} learn the voters' ids,
 * and {@code dlog format} writes it the same way, so a folder formatted by either tool serves both. Stateless.
 */
public final class KraftBootstrapSnapshot {
    /** Kafka's metadata log folder; DLog keeps its own Raft log elsewhere and never loads this as a partition. */
    public static final String DIR = "__cluster_metadata-0";
    static final String FILE = "00000000000000000000-0000000000.checkpoint";

    private KraftBootstrapSnapshot() {
    }

    /** One initial voter: its node id, its folder's directory id (Kafka's, kept as given) and its endpoint. */
    public record Voter(int id, String directoryId, String host, int port) {
    }

    /** A new directory id, as Kafka's formatter makes one: a random UUID in Kafka's base64 form. */
    public static String newDirectoryId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    /** Whether {@code id} is a UUID in Kafka's base64 form (22 characters), as cluster and directory ids are. */
    public static boolean isKafkaUuid(String id) {
        try {
            org.apache.kafka.common.Uuid.fromString(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The folder Kafka keeps its metadata log in, where its formatter writes the snapshot: {@code metadata.log.dir}
     * when set, else the data folder.
     */
    public static Path metadataDir(String metadataLogDir, Path dataDir) {
        return metadataLogDir != null && !metadataLogDir.isBlank() ? Path.of(metadataLogDir.trim()) : dataDir;
    }

    /** {@code voters} in the form of {@code controller.quorum.voters}: id@host:port, comma-separated. */
    public static String votersValue(List<Voter> voters) {
        StringBuilder value = new StringBuilder();
        for (Voter voter : voters) {
            String host = voter.host().contains(":") ? "[" + voter.host() + "]" : voter.host();
            value.append(value.length() == 0 ? "" : ",").append(voter.id()).append('@').append(host).append(':')
                    .append(voter.port());
        }
        return value.toString();
    }

    /** The snapshot's file in {@code metadataDir}. */
    public static Path file(Path metadataDir) {
        return metadataDir.resolve(DIR).resolve(FILE);
    }

    /**
     * The voters of the snapshot in {@code metadataDir}, each at its endpoint named {@code listenerName} (else its
     * first); empty when the folder holds no such snapshot.
     *
     * @throws IOException the file cannot be read, or is not such a snapshot (the message names the file)
     */
    public static Optional<List<Voter>> read(Path metadataDir, String listenerName) throws IOException {
        Path file = file(metadataDir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(file)));
        try {
            for (RecordBatch batch : records.batches()) {
                batch.ensureValid();
                if (!batch.isControlBatch()) {
                    continue;
                }
                for (Record record : batch) {
                    if (ControlRecordType.parse(record.key()) == ControlRecordType.KRAFT_VOTERS) {
                        return Optional.of(voters(ControlRecordUtils.deserializeVotersRecord(record), listenerName, file));
                    }
                }
            }
        } catch (IllegalArgumentException | org.apache.kafka.common.KafkaException e) {
            throw new IOException(file + " is not a readable bootstrap snapshot: " + e.getMessage(), e);
        }
        throw new IOException(file + " holds no voters (KRaftVoters record)");
    }

    private static List<Voter> voters(VotersRecord record, String listenerName, Path file) throws IOException {
        List<Voter> voters = new ArrayList<>();
        for (VotersRecord.Voter voter : record.voters()) {
            VotersRecord.Endpoint chosen = null;
            for (VotersRecord.Endpoint endpoint : voter.endpoints()) {
                if (chosen == null || endpoint.name().equals(listenerName)) {
                    chosen = endpoint;
                }
            }
            if (chosen == null) {
                throw new IOException(file + ": voter " + voter.voterId() + " has no endpoint");
            }
            voters.add(new Voter(voter.voterId(), voter.voterDirectoryId().toString(), chosen.host(), chosen.port()));
        }
        return voters;
    }

    /**
     * Writes the snapshot into {@code metadataDir} as Kafka's formatter does (atomically: a temporary file, synced,
     * then a rename), every voter's endpoint named {@code listenerName}.
     */
    public static void write(Path metadataDir, List<Voter> voters, String listenerName, long nowMs) throws IOException {
        VotersRecord record = new VotersRecord().setVersion(ControlRecordUtils.KRAFT_VOTERS_CURRENT_VERSION);
        for (Voter voter : voters) {
            VotersRecord.Endpoint endpoint = new VotersRecord.Endpoint().setName(listenerName).setHost(voter.host())
                    .setPort(voter.port());
            VotersRecord.EndpointCollection endpoints = new VotersRecord.EndpointCollection();
            endpoints.add(endpoint);
            record.voters().add(new VotersRecord.Voter().setVoterId(voter.id())
                    .setVoterDirectoryId(org.apache.kafka.common.Uuid.fromString(voter.directoryId()))
                    .setEndpoints(endpoints)
                    .setKRaftVersionFeature(new VotersRecord.KRaftVersionFeature().setMinSupportedVersion((short) 0)
                            .setMaxSupportedVersion((short) 1)));
        }
        MemoryRecordsBuilder snapshot = controlBuilder(0, nowMs);
        snapshot.appendSnapshotHeaderMessage(nowMs, new SnapshotHeaderRecord()
                .setVersion(ControlRecordUtils.SNAPSHOT_HEADER_CURRENT_VERSION).setLastContainedLogTimestamp(nowMs));
        snapshot.appendKRaftVersionMessage(nowMs, new KRaftVersionRecord()
                .setVersion(ControlRecordUtils.KRAFT_VERSION_CURRENT_VERSION).setKRaftVersion((short) 1));
        snapshot.appendVotersMessage(nowMs, record);
        MemoryRecordsBuilder footer = controlBuilder(3, nowMs);
        footer.appendSnapshotFooterMessage(nowMs, new SnapshotFooterRecord()
                .setVersion(ControlRecordUtils.SNAPSHOT_FOOTER_CURRENT_VERSION));
        Path file = file(metadataDir);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (ByteBuffer batch : List.of(snapshot.build().buffer(), footer.build().buffer())) {
                while (batch.hasRemaining()) {
                    channel.write(batch);
                }
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static MemoryRecordsBuilder controlBuilder(long baseOffset, long nowMs) {
        // A control batch of epoch 0 with no producer, as Kafka's snapshot writer makes it.
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        return new MemoryRecordsBuilder(buffer, RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, baseOffset, RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, true, 0, buffer.capacity());
    }
}
