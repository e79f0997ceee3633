package io.dlog.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class TopicRegexResolverTest {
    private final List<String> names = new ArrayList<>(List.of("orders", "orders-eu", "payments"));
    private final Queue<Runnable> executor = new ArrayDeque<>();
    private final TopicRegexResolver resolver = new TopicRegexResolver(new TopicMetadata() {
        @Override
        public int partitions(String topic) {
            return names.contains(topic) ? 1 : -1;
        }

        @Override
        public Optional<String> name(Uuid topicId) {
            return Optional.empty();
        }

        @Override
        public Uuid id(String topic) {
            return Uuid.ZERO_UUID;
        }

        @Override
        public List<String> names() {
            return List.copyOf(names);
        }
    }, executor::add);

    @Test
    void shouldMatchOnlyOnTheExecutorAndAnswerFromTheLastResolution() {
        // When: first asked, nothing is matched on the caller's thread
        assertThat(resolver.matching("orders.*")).isEmpty();
        assertThat(executor).hasSize(1);

        // Then: once the executor ran, the result is served
        executor.poll().run();
        assertThat(resolver.matching("orders.*")).containsExactlyInAnyOrder("orders", "orders-eu");
        assertThat(executor).isEmpty();

        // And a topic list change starts one new resolution; the old answer stands until it ends
        names.add("orders-us");
        assertThat(resolver.matching("orders.*")).containsExactlyInAnyOrder("orders", "orders-eu");
        assertThat(resolver.matching("orders.*")).containsExactlyInAnyOrder("orders", "orders-eu");
        assertThat(executor).hasSize(1);
        executor.poll().run();
        assertThat(resolver.matching("orders.*")).containsExactlyInAnyOrder("orders", "orders-eu", "orders-us");
    }

    @Test
    void shouldMatchAPatternThatMakesBacktrackingEnginesExplodeInLinearTime() {
        names.add("a".repeat(200) + "b");
        names.add("a".repeat(200));
        resolver.matching("(.*a){12}");
        executor.poll().run();
        assertThat(resolver.matching("(.*a){12}")).containsExactly("a".repeat(200));
    }

    @Test
    void shouldRefuseWhatRe2jRefusesAndAcceptWhatItAccepts() {
        assertThat(resolver.invalidReason("a(?=b)")).isPresent();
        assertThat(resolver.invalidReason("(a")).isPresent();
        assertThat(resolver.invalidReason("x{1001}")).isPresent();
        assertThat(resolver.invalidReason("(?P<name>orders)-[a-z]+|payments")).isEmpty();
        assertThat(resolver.invalidReason("(.*a){12}")).isEmpty();
    }
}
