package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault suite (issue 10): every {@link Fault} against a fresh 3-node cluster, once per seed; each run must
 * end with every checker count at 0. The default build runs seed 1 of every fault but those in {@link #PROFILE_ONLY}
 * (with -Pfault only: {@code fault.profile}) for 15 s each; run it alone, every fault included, longer, with
 * {@code mvn -B verify -pl compat-tests -am -Pfault} and size it with {@code -Dfault.seeds=N} (seeds 1..N, or a
 * comma-separated list), {@code -Dfault.duration.seconds=S} (per run) and {@code -Dfault.faults=KILL_LEADER,PAUSE}
 * (docs/reliability.md). The transactional workload (transactional producers, read_committed consumers, each
 * transaction checked whole) runs once in the default build and over the same faults and seeds with -Pfault or a
 * fault list; {@code -Dfault.workloads=transactional} (or {@code idempotent}) runs one workload only. Tagged
 * {@code fault}: {@code -Dfault.excludedGroups=fault} leaves it out of a build.
 */
@Tag("fault")
class FaultSuiteTest {
    /** Faults the default build leaves to -Pfault (or a {@code fault.faults} list). */
    private static final java.util.Set<Fault> PROFILE_ONLY = java.util.EnumSet.of(Fault.REASSIGN, Fault.MIXED, Fault.CLOCK,
            Fault.BRIDGE, Fault.ONE_WAY, Fault.KILL_ALL, Fault.KILL_DURING_RESTART);

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (Fault fault : faults()) {
            for (long seed : seeds()) {
                runs.add(Arguments.of(fault, seed));
            }
        }
        return runs.stream();
    }

    /**
     * The transactional workload's runs: in the default build one (the leader of partition 0 killed, seed 1), with
     * -Pfault or a {@code fault.faults} list the same faults and seeds as {@link #runs}.
     */
    static Stream<Arguments> transactionalRuns() {
        boolean chosen = Boolean.getBoolean("fault.profile") || !System.getProperty("fault.faults", "").isBlank();
        List<Arguments> runs = new ArrayList<>();
        for (Fault fault : chosen ? faults() : List.of(Fault.KILL_LEADER)) {
            for (long seed : chosen ? seeds() : List.of(1L)) {
                runs.add(Arguments.of(fault, seed));
            }
        }
        return runs.stream();
    }

    /** {@code fault.workloads}: idempotent, transactional or both (comma-separated; empty: both). */
    private static List<String> workloads() {
        String names = System.getProperty("fault.workloads", "").trim().toLowerCase(Locale.ROOT);
        return names.isEmpty() ? List.of("idempotent", "transactional")
                : Arrays.stream(names.split(",")).map(String::trim).toList();
    }

    static boolean idempotentChosen() {
        return workloads().contains("idempotent");
    }

    static boolean transactionalChosen() {
        return workloads().contains("transactional");
    }

    private static List<Fault> faults() {
        String names = System.getProperty("fault.faults", "").trim();
        if (names.isEmpty()) {
            // The default build runs the faults issue 10 names and the crash-recovery ones; the rest only with
            // -Pfault, to keep the default build inside its 30 minutes: REASSIGN (ReassignPartitionsTest proves
            // moves in less time), MIXED (each kind it overlaps has its own run), CLOCK (ClockStepCoordinatorsTest
            // steps the clocks), BRIDGE, ONE_WAY, KILL_ALL and KILL_DURING_RESTART (LOSE_UNFLUSHED, a recovery from
            // a kill harder than a plain one, took its place in the default build's time).
            boolean profile = Boolean.getBoolean("fault.profile");
            return Arrays.stream(Fault.values())
                    .filter(f -> f != Fault.NONE && (profile || !PROFILE_ONLY.contains(f))).toList();
        }
        return Arrays.stream(names.split(",")).map(n -> Fault.valueOf(n.trim().toUpperCase(Locale.ROOT))).toList();
    }

    private static List<Long> seeds() {
        String seeds = System.getProperty("fault.seeds", "1").trim();
        if (seeds.contains(",")) {
            return Arrays.stream(seeds.split(",")).map(s -> Long.parseLong(s.trim())).toList();
        }
        List<Long> list = new ArrayList<>();
        for (long seed = 1; seed <= Long.parseLong(seeds); seed++) {
            list.add(seed);
        }
        return list;
    }

    static Duration duration() {
        return Duration.ofSeconds(Long.getLong("fault.duration.seconds", 30));
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("runs")
    @EnabledIf("idempotentChosen")
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void shouldLoseNoAcknowledgedWriteAndReadNothingTwice(Fault fault, long seed) throws Exception {
        // Given / When
        FaultRun.Outcome outcome = FaultRun.run(fault, seed, duration());

        // Then
        System.out.println(outcome.report());
        assertThat(outcome.passed()).as(outcome.report()).isTrue();
    }

    @ParameterizedTest(name = "transactional {0} seed {1}")
    @MethodSource("transactionalRuns")
    @EnabledIf("transactionalChosen")
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void shouldCommitEveryTransactionWholeAndShowNoAbortedOne(Fault fault, long seed) throws Exception {
        // Given / When
        FaultRun.Outcome outcome = FaultRun.run(fault, seed, duration(), true);

        // Then
        System.out.println(outcome.report());
        assertThat(outcome.passed()).as(outcome.report()).isTrue();
        assertThat(outcome.result().acknowledged()).as("values of committed transactions").isGreaterThan(0);
    }
}
