package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's workload and checker against a healthy 3-node cluster (no fault): the clients, the history and
 * the final read work, and a run with nothing wrong is judged clean. Tagged {@code fault}, with the suite.
 */
@Tag("fault")
class HealthyClusterWorkloadTest {

    @Test
    void shouldFindNoAnomalyWithoutFaults() throws Exception {
        // When
        FaultRun.Outcome outcome = FaultRun.run(Fault.NONE, 1, Duration.ofSeconds(8));

        // Then
        System.out.println(outcome.report());
        assertThat(outcome.passed()).as(outcome.report()).isTrue();
        assertThat(outcome.result().acknowledged()).as("acknowledged writes").isGreaterThan(100);
        assertThat(outcome.ops()).as("polls").anyMatch(op -> op.type() == Op.Type.POLL && !op.records().isEmpty());
    }
}
