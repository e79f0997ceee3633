package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Transactions with librdkafka through confluent-kafka-python ({@code apt-get install python3-confluent-kafka}
 * or {@code pip install confluent-kafka}): the script {@code librdkafka/transactions.py} commits, aborts and
 * commits over every partition of a topic, then reads it with read_committed and read_uncommitted
 * consumers. A test using it is skipped, saying why, on a machine where no python3 imports confluent_kafka.
 */
public final class LibrdkafkaTransactions {
    private LibrdkafkaTransactions() {
    }

    /** A python3 that imports confluent_kafka, or a skipped test. */
    public static String python() {
        Optional<String> found = List.of("/usr/bin/python3", "python3").stream().filter(LibrdkafkaTransactions::imports)
                .findFirst();
        Assumptions.assumeTrue(found.isPresent(), "confluent-kafka-python (librdkafka) is not installed: "
                + "apt-get install python3-confluent-kafka, or pip install confluent-kafka");
        return found.get();
    }

    private static boolean imports(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import confluent_kafka").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs the script and checks what the consumers read: per partition, read_committed exactly the two
     * committed values, read_uncommitted the aborted one between them too.
     */
    public static void commitAbortCommit(String python, String bootstrap, String topic, String transactionalId,
                                         int partitions) throws Exception {
        Path script = Path.of(LibrdkafkaTransactions.class.getResource("/librdkafka/transactions.py").toURI());
        Process process = new ProcessBuilder(python, script.toString(), bootstrap, topic, transactionalId,
                Integer.toString(partitions)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the script ends").isTrue();
        assertThat(process.exitValue()).as("exit status; output: %s", output).isZero();
        for (int p = 0; p < partitions; p++) {
            assertThat(values(output, "read_committed", p)).containsExactly("c1-" + p, "c2-" + p);
            assertThat(values(output, "read_uncommitted", p)).containsExactly("c1-" + p, "a-" + p, "c2-" + p);
        }
    }

    /** The values the script printed for one isolation level and partition, in offset order. */
    private static List<String> values(String json, String level, int partition) {
        int start = json.indexOf("\"" + level + "\": [");
        assertThat(start).as("%s in %s", level, json).isNotNegative();
        String list = json.substring(json.indexOf('[', start) + 1, json.indexOf(']', start));
        List<String> values = new ArrayList<>();
        for (String item : list.split(",")) {
            String v = item.trim().replace("\"", "");
            if (v.startsWith(partition + ":")) {
                values.add(v.substring(v.indexOf(':') + 1));
            }
        }
        return values;
    }
}
