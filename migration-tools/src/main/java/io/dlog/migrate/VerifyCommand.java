package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code verify}: per partition, the log start and end offsets and a digest of every record on both sides,
 * and the groups' committed offsets; a table, exit 0 only when everything matches, 1 with the differences.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compares source and target per partition: log start and end offsets and a SHA-256 over every record's offset, timestamp, key, value and headers (read_uncommitted: aborted records count too), and the groups' committed offsets. Prints a table; exit 0 when all match, 1 otherwise.")
final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Mixin
    Clusters.Source source;

    @CommandLine.Mixin
    Clusters.Target target;

    @CommandLine.Mixin
    Selection selection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Properties sourceProps = source.properties();
        Properties targetProps = target.properties();
        List<String> differences = new ArrayList<>();
        try (Admin src = Clusters.admin(sourceProps); Admin dst = Clusters.admin(targetProps);
             KafkaConsumer<byte[], byte[]> srcReader = Clusters.reader(sourceProps);
             KafkaConsumer<byte[], byte[]> dstReader = Clusters.reader(targetProps)) {
            List<String> names = MigrationPlan.sourceTopics(src, selection.topicPattern());
            if (names.isEmpty()) {
                out.println("No source topic matches " + selection.topics);
                out.flush();
                return 1;
            }
            Set<String> onTarget = Clusters.get(dst.listTopics().names());
            List<String> present = new ArrayList<>();
            for (String name : names) {
                if (onTarget.contains(name)) {
                    present.add(name);
                } else {
                    differences.add(name + ": missing on the target");
                }
            }
            List<TopicPartition> sourcePartitions = Offsets.partitions(src, present);
            Set<TopicPartition> targetPartitions = new TreeSet<>(java.util.Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition));
            targetPartitions.addAll(Offsets.partitions(dst, present));
            Map<TopicPartition, Offsets.Range> srcRanges = Offsets.ranges(src, sourcePartitions);
            List<TopicPartition> common = sourcePartitions.stream().filter(targetPartitions::contains).toList();
            Map<TopicPartition, Offsets.Range> dstRanges = Offsets.ranges(dst, common);
            out.printf("%-40s %8s %14s %14s %12s  %s%n", "partition", "", "log start", "log end", "records", "digest");
            for (TopicPartition tp : sourcePartitions) {
                if (!targetPartitions.contains(tp)) {
                    differences.add(tp + ": missing on the target");
                    continue;
                }
                compare(out, tp, srcRanges.get(tp), dstRanges.get(tp), srcReader, dstReader, differences);
            }
            targetPartitions.stream().filter(tp -> !srcRanges.containsKey(tp))
                    .forEach(tp -> differences.add(tp + ": on the target only"));
            if (selection.groups != null) {
                compareGroups(out, src, dst, selection.groupPattern().orElseThrow(), new TreeSet<>(present), differences);
            }
        }
        if (differences.isEmpty()) {
            out.println("verify: everything matches");
            out.flush();
            return 0;
        }
        out.println("verify: " + differences.size() + " difference(s):");
        differences.forEach(d -> out.println("  " + d));
        out.flush();
        return 1;
    }

    private static void compare(PrintWriter out, TopicPartition tp, Offsets.Range s, Offsets.Range t,
                                KafkaConsumer<byte[], byte[]> srcReader, KafkaConsumer<byte[], byte[]> dstReader,
                                List<String> differences) throws Exception {
        PartitionDigest.Result sd = PartitionDigest.of(srcReader, tp, s.start(), s.end());
        PartitionDigest.Result td = PartitionDigest.of(dstReader, tp, t.start(), t.end());
        boolean same = s.equals(t) && sd.equals(td);
        out.printf("%-40s %8s %14d %14d %12d  %s%n", tp, "source", s.start(), s.end(), sd.records(), sd.sha256().substring(0, 16));
        out.printf("%-40s %8s %14d %14d %12d  %s  %s%n", "", "target", t.start(), t.end(), td.records(),
                td.sha256().substring(0, 16), same ? "OK" : "DIFFERENT");
        if (s.start() != t.start()) {
            differences.add(tp + ": log start offset " + s.start() + " on the source, " + t.start() + " on the target");
        }
        if (s.end() != t.end()) {
            differences.add(tp + ": log end offset " + s.end() + " on the source, " + t.end() + " on the target");
        }
        if (!sd.equals(td)) {
            differences.add(tp + ": records differ (" + sd.records() + " records, digest " + sd.sha256().substring(0, 16)
                    + " on the source; " + td.records() + " records, digest " + td.sha256().substring(0, 16) + " on the target)");
        }
    }

    private static void compareGroups(PrintWriter out, Admin src, Admin dst, Pattern pattern, Set<String> topics,
                                      List<String> differences) throws Exception {
        for (MigrationPlan.GroupPlan group : MigrationPlan.groups(src, pattern, topics)) {
            Map<TopicPartition, OffsetAndMetadata> theirs = new HashMap<>(Clusters.get(dst.listConsumerGroupOffsets(
                    Map.of(group.groupId(), new ListConsumerGroupOffsetsSpec())).partitionsToOffsetAndMetadata(group.groupId())));
            int same = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : group.offsets().entrySet()) {
                OffsetAndMetadata t = theirs.get(entry.getKey());
                if (t == null || t.offset() != entry.getValue().offset()
                        || !Objects.equals(t.metadata(), entry.getValue().metadata())) {
                    differences.add("group " + group.groupId() + " " + entry.getKey() + ": committed offset "
                            + entry.getValue().offset() + " on the source, " + (t == null ? "none" : t.offset()) + " on the target");
                } else {
                    same++;
                }
            }
            out.printf("group %-34s %d of %d committed offsets equal%n", group.groupId(), same, group.offsets().size());
        }
    }
}
