package io.dlog.migrate;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Per-topic progress of the copy: records (offsets) copied of those to copy, bytes on the target, lag,
 * rate and ETA. On a terminal the lines are redrawn in place as bars; otherwise (a log, a pipe) a plain line
 * per topic is printed every {@code plainEveryMs}.
 *
 * <p>Not thread-safe: called from the command's loop only.
 */
final class ProgressReporter {
    private static final int BAR = 24;

    private final PrintWriter out;
    private final boolean terminal;
    private final long plainEveryMs;
    private final Map<String, long[]> previous = new LinkedHashMap<>(); // topic -> {copied, atMs}
    private final Map<String, Double> rates = new LinkedHashMap<>();
    private int drawnLines;
    private long lastPlainMs = Long.MIN_VALUE / 2;

    ProgressReporter(PrintWriter out, boolean terminal, long plainEveryMs) {
        this.out = out;
        this.terminal = terminal;
        this.plainEveryMs = plainEveryMs;
    }

    /**
     * @param source     per partition, the source's log start and end
     * @param targetEnds per partition, the target's end
     * @param bytes      per topic, bytes on the target (absent when unknown)
     * @param force      print even if a plain line is not due
     */
    void report(Map<TopicPartition, Offsets.Range> source, Map<TopicPartition, Long> targetEnds,
                Map<String, Long> bytes, long nowMs, boolean force) {
        Map<String, long[]> perTopic = new TreeMap<>(); // topic -> {copied, total, lag}
        source.forEach((tp, range) -> {
            long end = targetEnds.getOrDefault(tp, 0L);
            long total = Math.max(0, range.end() - range.start());
            long copied = Math.max(0, Math.min(end, range.end()) - range.start());
            long[] t = perTopic.computeIfAbsent(tp.topic(), k -> new long[3]);
            t[0] += copied;
            t[1] += total;
            t[2] += Math.max(0, range.end() - end);
        });
        StringBuilder text = new StringBuilder();
        int lines = 0;
        for (Map.Entry<String, long[]> entry : perTopic.entrySet()) {
            String topic = entry.getKey();
            long copied = entry.getValue()[0];
            long total = entry.getValue()[1];
            long lag = entry.getValue()[2];
            long[] before = previous.get(topic);
            if (before != null && nowMs > before[1]) {
                double instant = (copied - before[0]) * 1000.0 / (nowMs - before[1]);
                double smoothed = rates.containsKey(topic) ? 0.7 * rates.get(topic) + 0.3 * instant : instant;
                rates.put(topic, smoothed);
            }
            previous.put(topic, new long[] {copied, nowMs});
            double rate = rates.getOrDefault(topic, 0.0);
            String eta = lag == 0 ? "done" : rate > 0 ? formatSeconds((long) (lag / rate)) : "-";
            String size = bytes.containsKey(topic) ? formatBytes(bytes.get(topic)) : "-";
            String line = String.format("%s %s %d/%d records, %s, lag %d, %.0f rec/s, ETA %s",
                    topic, terminal ? bar(copied, total) : percent(copied, total), copied, total, size, lag, rate, eta);
            text.append(terminal ? "\033[2K" : "").append(line).append(System.lineSeparator());
            lines++;
        }
        if (terminal) {
            if (drawnLines > 0) {
                out.print("\033[" + drawnLines + "A");
            }
            out.print(text);
            drawnLines = lines;
            out.flush();
        } else if (force || nowMs - lastPlainMs >= plainEveryMs) {
            out.print(text);
            out.flush();
            lastPlainMs = nowMs;
        }
    }

    private static String bar(long done, long total) {
        int filled = total == 0 ? BAR : (int) (BAR * Math.min(1.0, (double) done / total));
        return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + percent(done, total);
    }

    private static String percent(long done, long total) {
        return String.format("%3d%%", total == 0 ? 100 : (int) (100.0 * done / total));
    }

    static String formatBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024L * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / 1024.0 / 1024);
        }
        return String.format("%.2f GiB", bytes / 1024.0 / 1024 / 1024);
    }

    private static String formatSeconds(long seconds) {
        return seconds < 60 ? seconds + "s" : seconds < 3600 ? (seconds / 60) + "m" + (seconds % 60) + "s"
                : (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m";
    }
}
