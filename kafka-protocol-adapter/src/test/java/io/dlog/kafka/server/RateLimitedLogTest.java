package io.dlog.kafka.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    @Test
    void shouldPermitABurstPerWindowAndCountWhatItDropped() throws InterruptedException {
        // Given a limit of 2 lines per 200 ms
        RateLimitedLog lines = new RateLimitedLog(Duration.ofMillis(200), 2);

        // When 5 lines come at once, then more after the window
        assertThat(lines.permit()).isEmpty();
        assertThat(lines.permit()).isEmpty();
        assertThat(lines.permit()).isNull();
        assertThat(lines.permit()).isNull();
        assertThat(lines.permit()).isNull();
        Thread.sleep(250);

        // Then the first line of the next window says how many were dropped, and the count starts again
        assertThat(lines.permit()).contains("3 similar lines suppressed");
        assertThat(lines.permit()).isEmpty();
        assertThat(lines.permit()).isNull();
    }
}
