package io.dlog.log.metadata;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * {@link MetadataStore} kept in one file, {@code metadata.image}, rewritten whole on every change:
 * temp file, fsync, atomic rename, fsync of the folder. After a crash the file is the old or the new
 * image, never a mix; a leftover temp file is ignored.
 *
 * <p>Format (UTF-8 lines; every string is URL-encoded with an {@code s:} prefix so it holds no blanks):
 * <pre>
 * dlog-metadata 1
 * version &lt;n&gt;
 * topic s:&lt;name&gt; &lt;uuid&gt; &lt;partitions&gt; &lt;config count&gt;
 * config s:&lt;key&gt; s:&lt;value&gt;          (config count lines after their topic)
 * broker-config s:&lt;key&gt; s:&lt;value&gt;
 * crc &lt;CRC32C of all bytes before this line&gt;
 * </pre>
 *
 * <p>Thread-safety: changes are serialized on this object; {@link #image()} is a volatile read.
 */
final class FileMetadataStore implements MetadataStore {
    static final String FILE = "metadata.image";
    private static final String HEADER = "dlog-metadata 1";
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private final Path dir;
    private volatile MetadataImage image;

    private FileMetadataStore(Path dir, MetadataImage image) {
        this.dir = dir;
        this.image = image;
    }

    static MetadataStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        Files.deleteIfExists(dir.resolve(FILE + ".tmp"));
        MetadataImage image = Files.exists(file) ? decode(Files.readString(file, StandardCharsets.UTF_8))
                : MetadataImage.EMPTY;
        return new FileMetadataStore(dir, image);
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    @Override
    public synchronized TopicImage createTopic(String name, int partitions, Map<String, String> configs)
            throws MetadataException, IOException {
        if (name == null || !TOPIC_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid topic name: " + name);
        }
        if (image.topics().containsKey(name)) {
            throw new MetadataException(MetadataException.Reason.TOPIC_ALREADY_EXISTS, "topic " + name + " exists");
        }
        if (partitions < 1) {
            throw new MetadataException(MetadataException.Reason.INVALID_PARTITIONS,
                    "partitions must be >= 1, got " + partitions);
        }
        TopicImage topic = new TopicImage(name, UUID.randomUUID(), partitions, configs);
        publishTopic(name, topic);
        return topic;
    }

    @Override
    public synchronized TopicImage deleteTopic(String name) throws MetadataException, IOException {
        TopicImage topic = existing(name);
        publishTopic(name, null);
        return topic;
    }

    @Override
    public synchronized TopicImage increasePartitions(String name, int newCount)
            throws MetadataException, IOException {
        TopicImage topic = existing(name);
        if (newCount <= topic.partitions()) {
            throw new MetadataException(MetadataException.Reason.INVALID_PARTITIONS, "topic " + name + " has "
                    + topic.partitions() + " partitions; the new count " + newCount + " must be larger");
        }
        TopicImage updated = new TopicImage(name, topic.topicId(), newCount, topic.configs());
        publishTopic(name, updated);
        return updated;
    }

    @Override
    public synchronized TopicImage setTopicConfigs(String name, Map<String, String> configs)
            throws MetadataException, IOException {
        TopicImage topic = existing(name);
        TopicImage updated = new TopicImage(name, topic.topicId(), topic.partitions(), configs);
        publishTopic(name, updated);
        return updated;
    }

    @Override
    public synchronized void setBrokerConfigs(Map<String, String> configs) throws IOException {
        MetadataImage cur = image;
        publish(new MetadataImage(cur.version() + 1, cur.topics(), configs));
    }

    @Override
    public void close() {
        // every change is already durable; nothing is buffered
    }

    private TopicImage existing(String name) throws MetadataException {
        TopicImage topic = image.topics().get(name);
        if (topic == null) {
            throw new MetadataException(MetadataException.Reason.UNKNOWN_TOPIC, "unknown topic " + name);
        }
        return topic;
    }

    /** Replaces (or with null removes) one topic in a new image version. */
    private void publishTopic(String name, TopicImage topic) throws IOException {
        MetadataImage cur = image;
        Map<String, TopicImage> topics = new HashMap<>(cur.topics());
        if (topic == null) {
            topics.remove(name);
        } else {
            topics.put(name, topic);
        }
        publish(new MetadataImage(cur.version() + 1, topics, cur.brokerConfigs()));
    }

    /** Persist first, then publish: readers never see an image a crash could take back. */
    private void publish(MetadataImage next) throws IOException {
        writeAtomically(dir.resolve(FILE), encode(next));
        image = next;
    }

    static String encode(MetadataImage image) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("version ").append(image.version()).append('\n');
        for (TopicImage t : new TreeMap<>(image.topics()).values()) {
            sb.append("topic ").append(str(t.name())).append(' ').append(t.topicId()).append(' ')
                    .append(t.partitions()).append(' ').append(t.configs().size()).append('\n');
            for (Map.Entry<String, String> c : new TreeMap<>(t.configs()).entrySet()) {
                sb.append("config ").append(str(c.getKey())).append(' ').append(str(c.getValue())).append('\n');
            }
        }
        for (Map.Entry<String, String> c : new TreeMap<>(image.brokerConfigs()).entrySet()) {
            sb.append("broker-config ").append(str(c.getKey())).append(' ').append(str(c.getValue())).append('\n');
        }
        long crc = crc(sb.toString());
        sb.append("crc ").append(crc).append('\n');
        return sb.toString();
    }

    static MetadataImage decode(String text) throws IOException {
        int crcAt = text.lastIndexOf("\ncrc ") + 1;
        if (!text.startsWith(HEADER + "\n") || crcAt <= 0
                || !text.substring(crcAt + 4).trim().equals(Long.toString(crc(text.substring(0, crcAt))))) {
            throw new IOException("metadata image is corrupt (bad header or CRC)");
        }
        List<String> lines = text.substring(0, crcAt).lines().toList();
        try {
            long version = Long.parseLong(lines.get(1).substring("version ".length()));
            Map<String, TopicImage> topics = new HashMap<>();
            Map<String, String> broker = new HashMap<>();
            int i = 2;
            while (i < lines.size()) {
                String[] f = lines.get(i++).split(" ");
                if (f[0].equals("topic")) {
                    Map<String, String> configs = new HashMap<>();
                    int n = Integer.parseInt(f[4]);
                    for (int j = 0; j < n; j++) {
                        String[] c = lines.get(i++).split(" ");
                        configs.put(unstr(c[1]), unstr(c[2]));
                    }
                    String name = unstr(f[1]);
                    topics.put(name, new TopicImage(name, UUID.fromString(f[2]), Integer.parseInt(f[3]), configs));
                } else if (f[0].equals("broker-config")) {
                    broker.put(unstr(f[1]), unstr(f[2]));
                } else {
                    throw new IOException("unexpected line: " + f[0]);
                }
            }
            return new MetadataImage(version, topics, broker);
        } catch (RuntimeException e) {
            throw new IOException("metadata image is malformed", e);
        }
    }

    private static String str(String s) {
        return "s:" + URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String unstr(String token) {
        if (!token.startsWith("s:")) {
            throw new IllegalArgumentException("not a string token: " + token);
        }
        return URLDecoder.decode(token.substring(2), StandardCharsets.UTF_8);
    }

    private static long crc(String s) {
        CRC32C crc = new CRC32C();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            io.dlog.log.BlockingCallGuard.check("fsync of the metadata store");
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
