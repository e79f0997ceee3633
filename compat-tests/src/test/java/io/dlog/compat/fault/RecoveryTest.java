package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryTest {

    @Test
    void shouldTimeFromEachStrikeToTheFirstAckOfASendMadeAfterIt() throws Exception {
        // Given: a send before the kill acknowledged after it does not count; one made after it does
        History history = new History();
        history.send("w0", 0, "a");
        Op kill = history.nemesis("kill -9 node 1 (leader of p0) [p0 replicas [1, 2, 3], isr [1, 2, 3]]");
        history.ack("w0", 0, "a", 0);
        history.send("w0", 1, "b");
        history.ack("w0", 1, "b", 0);
        Thread.sleep(20);
        history.send("w0", 0, "c");
        Op ack = history.ack("w0", 0, "c", 1);
        history.nemesis("restart node 1");
        history.nemesis("SIGSTOP node 2");

        // When
        List<String> lines = Recovery.afterStrikes(history.ops());

        // Then
        long millis = (ack.nanos() - kill.nanos()) / 1_000_000;
        assertThat(millis).isGreaterThanOrEqualTo(20);
        assertThat(lines).containsExactly(
                String.format("kill -9 node 1 (leader of p0): first write to p0 acknowledged %,d ms later", millis),
                "SIGSTOP node 2: no write to p0 acknowledged after it");
    }
}
