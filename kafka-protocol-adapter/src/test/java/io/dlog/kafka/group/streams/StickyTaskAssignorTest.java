package io.dlog.kafka.group.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class StickyTaskAssignorTest {

    private static Set<TaskId> tasks(int subtopologies, int partitions) {
        Set<TaskId> tasks = new TreeSet<>();
        for (int s = 0; s < subtopologies; s++) {
            for (int p = 0; p < partitions; p++) {
                tasks.add(new TaskId(Integer.toString(s), p));
            }
        }
        return tasks;
    }

    private static StickyTaskAssignor.Member member(String id, String process, Set<TaskId> active) {
        return new StickyTaskAssignor.Member(id, process, active, Set.of());
    }

    @Test
    void shouldAssignEveryTaskOnceAndBalanced() {
        // Given seven tasks and three new members
        Set<TaskId> tasks = tasks(1, 7);
        List<StickyTaskAssignor.Member> members = List.of(member("a", "p1", Set.of()), member("b", "p2", Set.of()),
                member("c", "p3", Set.of()));

        // When
        Map<String, StickyTaskAssignor.Assignment> result = StickyTaskAssignor.assign(members, tasks, 0);

        // Then every task once, loads 3/2/2
        List<TaskId> all = new ArrayList<>();
        result.values().forEach(a -> all.addAll(a.active()));
        assertThat(all).hasSize(7).containsExactlyInAnyOrderElementsOf(tasks);
        assertThat(result.values().stream().map(a -> a.active().size()).sorted().toList()).containsExactly(2, 2, 3);
    }

    @Test
    void shouldKeepTasksWithTheirOwnersWhenAMemberJoins() {
        // Given a member owning all four tasks
        Set<TaskId> tasks = tasks(2, 2);
        Map<String, StickyTaskAssignor.Assignment> first = StickyTaskAssignor.assign(
                List.of(member("a", "p1", Set.of())), tasks, 0);
        assertThat(first.get("a").active()).isEqualTo(tasks);

        // When a second joins
        Map<String, StickyTaskAssignor.Assignment> second = StickyTaskAssignor.assign(
                List.of(member("a", "p1", tasks), member("b", "p2", Set.of())), tasks, 0);

        // Then the first keeps two of its tasks, the second gets the other two
        assertThat(second.get("a").active()).hasSize(2).isSubsetOf(tasks);
        assertThat(second.get("b").active()).hasSize(2).doesNotContainAnyElementsOf(second.get("a").active());

        // And a balanced assignment stays as it is
        Map<String, StickyTaskAssignor.Assignment> third = StickyTaskAssignor.assign(List.of(
                member("a", "p1", second.get("a").active()), member("b", "p2", second.get("b").active())), tasks, 0);
        assertThat(third).isEqualTo(second);
    }

    @Test
    void shouldMoveATaskToTheProcessWithItsStandbyAndPlaceStandbysOnOtherProcesses() {
        // Given task 0_0 owned by nobody, warm as a standby on process p2
        Set<TaskId> tasks = tasks(1, 2);
        TaskId warm = new TaskId("0", 0);
        List<StickyTaskAssignor.Member> members = List.of(
                new StickyTaskAssignor.Member("a", "p1", Set.of(new TaskId("0", 1)), Set.of()),
                new StickyTaskAssignor.Member("b", "p2", Set.of(), Set.of(warm)),
                new StickyTaskAssignor.Member("c", "p3", Set.of(), Set.of()));

        // When assigned with one standby each
        Map<String, StickyTaskAssignor.Assignment> result = StickyTaskAssignor.assign(members, tasks, 1);

        // Then the warm process takes it and every standby is on a process without the active
        assertThat(result.get("b").active()).containsExactly(warm);
        assertThat(result.get("a").active()).containsExactly(new TaskId("0", 1));
        Set<TaskId> standbys = new HashSet<>();
        result.forEach((id, a) -> {
            assertThat(java.util.Collections.disjoint(a.standby(), a.active())).isTrue();
            standbys.addAll(a.standby());
        });
        assertThat(standbys).isEqualTo(tasks);
    }

    @Test
    void shouldLeaveStandbysOutWithoutAnotherProcess() {
        // Given two members of one process
        Map<String, StickyTaskAssignor.Assignment> result = StickyTaskAssignor.assign(List.of(
                member("a", "p1", Set.of()), member("b", "p1", Set.of())), tasks(1, 2), 1);

        // Then no standby: a standby on the active's own process protects nothing
        result.values().forEach(a -> assertThat(a.standby()).isEmpty());
    }
}
