package io.dlog.cluster.internal;

import io.dlog.cluster.MetadataCommand;
import io.dlog.log.metadata.BrokerImage;
import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.MetadataException;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.PartitionState;
import io.dlog.log.metadata.SecurityImage;
import io.dlog.log.metadata.TopicImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Bytes of the metadata Raft log entries (commands), of their outcomes, and of snapshots (images).
 * A leading version byte on each, so a later release can read what an earlier one wrote. Maps are
 * written in key order, so equal images have equal bytes. Stateless; thread-safe.
 */
public final class MetadataCodec {
    /**
     * 2: partition states (leader, epochs, ISR) in images; AlterPartition and ElectLeader commands.
     * 3: the image's security section (SCRAM credentials, ACLs); the security commands.
     * 4: each partition state's adding and removing replicas (reassignments); the AlterReassignment command.
     *    Earlier images read as "no reassignment in progress".
     */
    private static final byte VERSION = 4;
    private static final byte FIRST_VERSION = 1;
    private static final byte SECURITY_VERSION = 3;
    private static final byte REASSIGNMENT_VERSION = 4;
    private static final int IMAGE_MAGIC = 0x444c4d49; // "DLMI"

    private static final byte INIT_CLUSTER = 1;
    private static final byte IMPORT_IMAGE = 2;
    private static final byte REGISTER_BROKER = 3;
    private static final byte BROKER_HEARTBEAT = 4;
    private static final byte FENCE_BROKER = 5;
    private static final byte CREATE_TOPIC = 6;
    private static final byte DELETE_TOPIC = 7;
    private static final byte CREATE_PARTITIONS = 8;
    private static final byte SET_TOPIC_CONFIGS = 9;
    private static final byte SET_BROKER_CONFIGS = 10;
    private static final byte SET_GROUP_CONFIGS = 11;
    private static final byte ALTER_PARTITION = 20;
    private static final byte ELECT_LEADER = 21;
    private static final byte RAISE_LEADER_EPOCH = 22;
    private static final byte ALTER_REASSIGNMENT = 23;
    private static final byte SET_FEATURES = 40; // 30-33: SecurityCodec
    /**
     * Sections after an image body's node configs: (tag byte, length int, bytes) until the body ends, so a
     * part added later needs no new format and a reader skips tags it does not know.
     */
    private static final byte SECTION_FEATURES = 1;
    private static final byte SECTION_CLIENT_QUOTAS = 2;
    private static final byte SECTION_GROUP_CONFIGS = 3;
    /** The brokers' data folder ids ({@link BrokerImage#directoryId()}), for those that registered one. */
    private static final byte SECTION_DIRECTORY_IDS = 4;
    /** Per partition, the replicas that restarted from a replaced data folder ({@link PartitionState#emptied()}). */
    private static final byte SECTION_EMPTIED_REPLICAS = 5;

    private MetadataCodec() {
    }

    public static byte[] encode(MetadataCommand command) {
        return bytes(out -> {
            out.writeByte(VERSION);
            writeCommand(out, command);
        });
    }

    /** @throws IOException bytes that are no command of this version */
    public static MetadataCommand decodeCommand(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        return readCommand(in, checkVersion(in.readByte()));
    }

    /** An outcome: empty bytes for success, else the refusal's reason and message. */
    public static byte[] encodeOutcome(Optional<MetadataException> refusal) {
        if (refusal.isEmpty()) {
            return new byte[0];
        }
        return bytes(out -> {
            out.writeUTF(refusal.get().reason().name());
            writeString(out, refusal.get().getMessage());
        });
    }

    public static Optional<MetadataException> decodeOutcome(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return Optional.empty();
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
        String name = in.readUTF();
        String message = readString(in);
        try {
            return Optional.of(new MetadataException(MetadataException.Reason.valueOf(name), message));
        } catch (IllegalArgumentException e) {
            // A reason added by a newer release (its node applied the command): still a refusal, with its message.
            return Optional.of(new MetadataException(MetadataException.Reason.INVALID_COMMAND, name + ": " + message));
        }
    }

    public static void writeImage(OutputStream stream, MetadataImage image) throws IOException {
        DataOutputStream out = new DataOutputStream(stream);
        out.writeInt(IMAGE_MAGIC);
        out.writeByte(VERSION);
        writeImageBody(out, image);
        out.flush();
    }

    public static MetadataImage readImage(InputStream stream) throws IOException {
        // Whole into memory: an image is small, and readString checks lengths against what is left.
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(stream.readAllBytes()));
        if (in.readInt() != IMAGE_MAGIC) {
            throw new IOException("not a DLog metadata image");
        }
        return readImageBody(in, checkVersion(in.readByte()));
    }

    private static void writeCommand(DataOutputStream out, MetadataCommand command) throws IOException {
        if (command instanceof MetadataCommand.InitCluster c) {
            out.writeByte(INIT_CLUSTER);
            writeString(out, c.clusterId());
        } else if (command instanceof MetadataCommand.ImportImage c) {
            out.writeByte(IMPORT_IMAGE);
            writeImageBody(out, c.image());
        } else if (command instanceof MetadataCommand.RegisterBroker c) {
            out.writeByte(REGISTER_BROKER);
            out.writeInt(c.id());
            out.writeLong(c.incarnation());
            writeEndpoints(out, c.endpoints());
            writeString(out, c.rack());
            // Last, so that a reader from before it stops at the rack and ignores it.
            writeString(out, c.directoryId());
        } else if (command instanceof MetadataCommand.BrokerHeartbeat c) {
            out.writeByte(BROKER_HEARTBEAT);
            out.writeInt(c.id());
            out.writeLong(c.incarnation());
        } else if (command instanceof MetadataCommand.FenceBroker c) {
            out.writeByte(FENCE_BROKER);
            out.writeInt(c.id());
            out.writeLong(c.incarnation());
        } else if (command instanceof MetadataCommand.CreateTopic c) {
            out.writeByte(CREATE_TOPIC);
            writeString(out, c.name());
            writeUuid(out, c.topicId());
            writeAssignment(out, c.assignment());
            writeMap(out, c.configs());
        } else if (command instanceof MetadataCommand.DeleteTopic c) {
            out.writeByte(DELETE_TOPIC);
            writeString(out, c.name());
            out.writeBoolean(c.topicId() != null);
            if (c.topicId() != null) {
                writeUuid(out, c.topicId());
            }
        } else if (command instanceof MetadataCommand.CreatePartitions c) {
            out.writeByte(CREATE_PARTITIONS);
            writeString(out, c.name());
            writeAssignment(out, c.added());
        } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
            out.writeByte(SET_TOPIC_CONFIGS);
            writeString(out, c.name());
            writeMap(out, c.configs());
        } else if (command instanceof MetadataCommand.SetBrokerConfigs c) {
            out.writeByte(SET_BROKER_CONFIGS);
            out.writeInt(c.node());
            writeMap(out, c.configs());
        } else if (command instanceof MetadataCommand.SetGroupConfigs c) {
            out.writeByte(SET_GROUP_CONFIGS);
            writeString(out, c.groupId());
            writeMap(out, c.configs());
        } else if (command instanceof MetadataCommand.AlterPartition c) {
            out.writeByte(ALTER_PARTITION);
            writeString(out, c.topic());
            writeUuid(out, c.topicId());
            out.writeInt(c.partition());
            out.writeInt(c.leader());
            out.writeInt(c.leaderEpoch());
            out.writeInt(c.partitionEpoch());
            writeInts(out, c.isr());
        } else if (command instanceof MetadataCommand.ElectLeader c) {
            out.writeByte(ELECT_LEADER);
            writeString(out, c.topic());
            out.writeInt(c.partition());
            out.writeInt(c.leader());
            out.writeBoolean(c.unclean());
        } else if (command instanceof MetadataCommand.RaiseLeaderEpoch c) {
            out.writeByte(RAISE_LEADER_EPOCH);
            writeString(out, c.topic());
            out.writeInt(c.partition());
            out.writeInt(c.leader());
            out.writeInt(c.leaderEpoch());
            out.writeInt(c.atLeast());
        } else if (command instanceof MetadataCommand.AlterReassignment c) {
            out.writeByte(ALTER_REASSIGNMENT);
            writeString(out, c.topic());
            out.writeInt(c.partition());
            out.writeBoolean(c.target() != null);
            if (c.target() != null) {
                writeInts(out, c.target());
            }
            out.writeBoolean(c.allowReplicationFactorChange());
        } else if (command instanceof MetadataCommand.SetFeatures c) {
            out.writeByte(SET_FEATURES);
            writeLevels(out, c.levels());
        } else if (!SecurityCodec.writeCommand(out, command)) {
            throw new IllegalStateException("unknown command " + command);
        }
    }

    private static MetadataCommand readCommand(DataInputStream in, byte format) throws IOException {
        byte type = in.readByte();
        if (SecurityCodec.isSecurityCommand(type)) {
            return SecurityCodec.readCommand(in, type);
        }
        switch (type) {
            case INIT_CLUSTER:
                return new MetadataCommand.InitCluster(readString(in));
            case IMPORT_IMAGE:
                return new MetadataCommand.ImportImage(readImageBody(in, format));
            case REGISTER_BROKER:
                return new MetadataCommand.RegisterBroker(in.readInt(), in.readLong(), readEndpoints(in), readString(in),
                        in.available() > 0 ? readString(in) : null); // written without a folder id before 2026-12-07
            case BROKER_HEARTBEAT:
                return new MetadataCommand.BrokerHeartbeat(in.readInt(), in.readLong());
            case FENCE_BROKER:
                return new MetadataCommand.FenceBroker(in.readInt(), in.readLong());
            case CREATE_TOPIC:
                return new MetadataCommand.CreateTopic(readString(in), readUuid(in), readAssignment(in), readMap(in));
            case DELETE_TOPIC:
                return new MetadataCommand.DeleteTopic(readString(in), in.readBoolean() ? readUuid(in) : null);
            case CREATE_PARTITIONS:
                return new MetadataCommand.CreatePartitions(readString(in), readAssignment(in));
            case SET_TOPIC_CONFIGS:
                return new MetadataCommand.SetTopicConfigs(readString(in), readMap(in));
            case SET_BROKER_CONFIGS:
                return new MetadataCommand.SetBrokerConfigs(in.readInt(), readMap(in));
            case SET_GROUP_CONFIGS:
                return new MetadataCommand.SetGroupConfigs(readString(in), readMap(in));
            case ALTER_PARTITION:
                return new MetadataCommand.AlterPartition(readString(in), readUuid(in), in.readInt(), in.readInt(),
                        in.readInt(), in.readInt(), readInts(in));
            case ELECT_LEADER:
                return new MetadataCommand.ElectLeader(readString(in), in.readInt(), in.readInt(), in.readBoolean());
            case RAISE_LEADER_EPOCH:
                return new MetadataCommand.RaiseLeaderEpoch(readString(in), in.readInt(), in.readInt(), in.readInt(),
                        in.readInt());
            case ALTER_REASSIGNMENT:
                return new MetadataCommand.AlterReassignment(readString(in), in.readInt(),
                        in.readBoolean() ? readInts(in) : null, in.readBoolean());
            case SET_FEATURES:
                return new MetadataCommand.SetFeatures(readLevels(in));
            default:
                throw new IOException("unknown metadata command type " + type);
        }
    }

    private static void writeImageBody(DataOutputStream out, MetadataImage image) throws IOException {
        out.writeLong(image.version());
        writeString(out, image.clusterId());
        out.writeInt(image.brokers().size());
        for (BrokerImage b : new TreeMap<>(image.brokers()).values()) {
            out.writeInt(b.id());
            out.writeLong(b.incarnation());
            writeEndpoints(out, b.endpoints());
            writeString(out, b.rack());
            out.writeBoolean(b.fenced());
        }
        out.writeInt(image.topics().size());
        for (TopicImage t : new TreeMap<>(image.topics()).values()) {
            writeString(out, t.name());
            writeUuid(out, t.topicId());
            writeAssignment(out, t.assignment());
            writeMap(out, t.configs());
            for (PartitionState state : t.states()) {
                out.writeInt(state.leader());
                out.writeInt(state.leaderEpoch());
                writeInts(out, state.isr());
                out.writeInt(state.partitionEpoch());
                writeInts(out, state.adding());
                writeInts(out, state.removing());
            }
        }
        writeMap(out, image.brokerConfigs());
        out.writeInt(image.nodeConfigs().size());
        for (Map.Entry<Integer, Map<String, String>> e : new TreeMap<>(image.nodeConfigs()).entrySet()) {
            out.writeInt(e.getKey());
            writeMap(out, e.getValue());
        }
        SecurityCodec.writeImage(out, image.security());
        if (!image.features().isEmpty()) {
            byte[] features = bytes(section -> writeLevels(section, image.features()));
            out.writeByte(SECTION_FEATURES);
            out.writeInt(features.length);
            out.write(features);
        }
        if (!image.security().quotas().isEmpty()) {
            byte[] quotas = bytes(section -> SecurityCodec.writeQuotas(section, image.security().quotas()));
            out.writeByte(SECTION_CLIENT_QUOTAS);
            out.writeInt(quotas.length);
            out.write(quotas);
        }
        if (!image.groupConfigs().isEmpty()) {
            byte[] groups = bytes(section -> writeGroupConfigs(section, image.groupConfigs()));
            out.writeByte(SECTION_GROUP_CONFIGS);
            out.writeInt(groups.length);
            out.write(groups);
        }
        Map<Integer, String> directoryIds = new TreeMap<>();
        image.brokers().values().stream().filter(b -> b.directoryId() != null)
                .forEach(b -> directoryIds.put(b.id(), b.directoryId()));
        if (!directoryIds.isEmpty()) {
            byte[] dirs = bytes(section -> {
                section.writeInt(directoryIds.size());
                for (Map.Entry<Integer, String> e : directoryIds.entrySet()) {
                    section.writeInt(e.getKey());
                    writeString(section, e.getValue());
                }
            });
            out.writeByte(SECTION_DIRECTORY_IDS);
            out.writeInt(dirs.length);
            out.write(dirs);
        }
        List<Emptied> emptied = new ArrayList<>();
        for (TopicImage t : new TreeMap<>(image.topics()).values()) {
            for (int p = 0; p < t.partitions(); p++) {
                if (!t.state(p).emptied().isEmpty()) {
                    emptied.add(new Emptied(t.name(), p, t.state(p).emptied()));
                }
            }
        }
        if (!emptied.isEmpty()) {
            byte[] section = bytes(sectionOut -> {
                sectionOut.writeInt(emptied.size());
                for (Emptied e : emptied) {
                    writeString(sectionOut, e.topic());
                    sectionOut.writeInt(e.partition());
                    writeInts(sectionOut, e.replicas());
                }
            });
            out.writeByte(SECTION_EMPTIED_REPLICAS);
            out.writeInt(section.length);
            out.write(section);
        }
    }

    /** One partition's emptied replicas, as its image section holds them. */
    private record Emptied(String topic, int partition, List<Integer> replicas) {
    }

    private static void writeGroupConfigs(DataOutputStream out, Map<String, Map<String, String>> groups) throws IOException {
        out.writeInt(groups.size());
        for (Map.Entry<String, Map<String, String>> group : new TreeMap<>(groups).entrySet()) {
            writeString(out, group.getKey());
            writeMap(out, group.getValue());
        }
    }

    private static Map<String, Map<String, String>> readGroupConfigs(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, Map<String, String>> groups = new HashMap<>();
        for (int i = 0; i < n; i++) {
            groups.put(readString(in), readMap(in));
        }
        return groups;
    }

    private static void writeLevels(DataOutputStream out, Map<String, Short> levels) throws IOException {
        out.writeInt(levels.size());
        for (Map.Entry<String, Short> e : new TreeMap<>(levels).entrySet()) {
            writeString(out, e.getKey());
            out.writeShort(e.getValue());
        }
    }

    private static Map<String, Short> readLevels(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, Short> levels = new HashMap<>();
        for (int i = 0; i < n; i++) {
            levels.put(readString(in), in.readShort());
        }
        return levels;
    }

    /** What the sections after the node configs hold: empty parts for sections absent (older images). */
    private record Sections(Map<String, Short> features, ClientQuotasImage quotas, Map<String, Map<String, String>> groups,
                            Map<Integer, String> directoryIds, List<Emptied> emptied) {
    }

    /** The sections after the node configs (none in images written before them). */
    private static Sections readSections(DataInputStream in) throws IOException {
        Map<String, Short> features = Map.of();
        ClientQuotasImage quotas = ClientQuotasImage.EMPTY;
        Map<String, Map<String, String>> groups = Map.of();
        Map<Integer, String> directoryIds = new HashMap<>();
        List<Emptied> emptied = new ArrayList<>();
        while (in.available() > 0) {
            byte tag = in.readByte();
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new IOException("metadata image section " + tag + " of " + length + " bytes overruns the image");
            }
            byte[] section = in.readNBytes(length);
            DataInputStream sectionIn = new DataInputStream(new java.io.ByteArrayInputStream(section));
            if (tag == SECTION_FEATURES) {
                features = readLevels(sectionIn);
            } else if (tag == SECTION_CLIENT_QUOTAS) {
                quotas = SecurityCodec.readQuotas(sectionIn);
            } else if (tag == SECTION_GROUP_CONFIGS) {
                groups = readGroupConfigs(sectionIn);
            } else if (tag == SECTION_DIRECTORY_IDS) {
                int n = count(sectionIn);
                for (int i = 0; i < n; i++) {
                    directoryIds.put(sectionIn.readInt(), readString(sectionIn));
                }
            } else if (tag == SECTION_EMPTIED_REPLICAS) {
                int n = count(sectionIn);
                for (int i = 0; i < n; i++) {
                    emptied.add(new Emptied(readString(sectionIn), sectionIn.readInt(), readInts(sectionIn)));
                }
            }
        }
        return new Sections(features, quotas, groups, directoryIds, emptied);
    }

    private static MetadataImage readImageBody(DataInputStream in, byte format) throws IOException {
        long version = in.readLong();
        String clusterId = readString(in);
        int brokerCount = count(in);
        Map<Integer, BrokerImage> brokers = new HashMap<>();
        for (int i = 0; i < brokerCount; i++) {
            BrokerImage b = new BrokerImage(in.readInt(), in.readLong(), readEndpoints(in), readString(in), in.readBoolean());
            brokers.put(b.id(), b);
        }
        int topicCount = count(in);
        Map<String, TopicImage> topics = new HashMap<>();
        for (int i = 0; i < topicCount; i++) {
            String name = readString(in);
            UUID id = readUuid(in);
            List<List<Integer>> assignment = readAssignment(in);
            Map<String, String> configs = readMap(in);
            if (format == FIRST_VERSION) {
                topics.put(name, new TopicImage(name, id, assignment.size(), configs, assignment));
                continue;
            }
            List<PartitionState> states = new ArrayList<>(assignment.size());
            for (int p = 0; p < assignment.size(); p++) {
                PartitionState state = new PartitionState(in.readInt(), in.readInt(), readInts(in), in.readInt());
                if (format >= REASSIGNMENT_VERSION) {
                    state = new PartitionState(state.leader(), state.leaderEpoch(), state.isr(), state.partitionEpoch(),
                            readInts(in), readInts(in));
                }
                states.add(state);
            }
            topics.put(name, new TopicImage(name, id, assignment.size(), configs, assignment, states));
        }
        Map<String, String> brokerConfigs = readMap(in);
        int nodes = count(in);
        Map<Integer, Map<String, String>> nodeConfigs = new HashMap<>();
        for (int i = 0; i < nodes; i++) {
            nodeConfigs.put(in.readInt(), readMap(in));
        }
        SecurityImage security = format < SECURITY_VERSION ? SecurityImage.EMPTY : SecurityCodec.readImage(in);
        Sections sections = readSections(in);
        sections.directoryIds().forEach((id, dir) -> brokers.computeIfPresent(id, (k, b) -> b.withDirectoryId(dir)));
        for (Emptied e : sections.emptied()) {
            TopicImage topic = topics.get(e.topic());
            if (topic == null || e.partition() < 0 || e.partition() >= topic.partitions()) {
                throw new IOException("metadata image marks emptied replicas of " + e.topic() + "-" + e.partition()
                        + ", which the image does not hold");
            }
            PartitionState s = topic.state(e.partition());
            topics.put(e.topic(), topic.withState(e.partition(), new PartitionState(s.leader(), s.leaderEpoch(), s.isr(),
                    s.partitionEpoch(), s.adding(), s.removing(), e.replicas())));
        }
        return new MetadataImage(version, clusterId, brokers, topics, brokerConfigs, nodeConfigs,
                security.withQuotas(sections.quotas()), sections.features(), sections.groups());
    }

    private static void writeEndpoints(DataOutputStream out, List<BrokerImage.Endpoint> endpoints) throws IOException {
        out.writeInt(endpoints.size());
        for (BrokerImage.Endpoint e : endpoints) {
            writeString(out, e.listener());
            writeString(out, e.host());
            out.writeInt(e.port());
        }
    }

    private static List<BrokerImage.Endpoint> readEndpoints(DataInputStream in) throws IOException {
        int n = count(in);
        List<BrokerImage.Endpoint> endpoints = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            endpoints.add(new BrokerImage.Endpoint(readString(in), readString(in), in.readInt()));
        }
        return endpoints;
    }

    private static void writeInts(DataOutputStream out, List<Integer> values) throws IOException {
        out.writeInt(values.size());
        for (int v : values) {
            out.writeInt(v);
        }
    }

    private static List<Integer> readInts(DataInputStream in) throws IOException {
        int n = count(in);
        List<Integer> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.readInt());
        }
        return values;
    }

    private static void writeAssignment(DataOutputStream out, List<List<Integer>> assignment) throws IOException {
        out.writeInt(assignment.size());
        for (List<Integer> replicas : assignment) {
            out.writeInt(replicas.size());
            for (int r : replicas) {
                out.writeInt(r);
            }
        }
    }

    private static List<List<Integer>> readAssignment(DataInputStream in) throws IOException {
        int n = count(in);
        List<List<Integer>> assignment = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int size = count(in);
            List<Integer> replicas = new ArrayList<>(size);
            for (int j = 0; j < size; j++) {
                replicas.add(in.readInt());
            }
            assignment.add(replicas);
        }
        return assignment;
    }

    private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    private static void writeUuid(DataOutputStream out, UUID id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static UUID readUuid(DataInputStream in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }

    /** Length-prefixed UTF-8 (-1 for null): writeUTF's 64 KiB cap is too small for config values. */
    static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("bad count " + n);
        }
        return n;
    }

    /** Returns the format version, one this release reads. */
    private static byte checkVersion(byte version) throws IOException {
        if (version < FIRST_VERSION || version > VERSION) {
            throw new IOException("metadata written by a newer DLog (format " + version + ")");
        }
        return version;
    }

    @FunctionalInterface
    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writer writer) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return buffer.toByteArray();
    }
}
