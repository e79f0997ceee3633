package io.dlog.kafka.group.streams;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The server-side task assignor of Streams groups, with the behaviour of Kafka's {@code sticky} assignor:
 * <ul>
 *   <li>active tasks are balanced over the members (every member gets ⌊T/M⌋ or ⌈T/M⌉), and a task stays
 *       with the member that owned it while that keeps the balance;</li>
 *   <li>a task that must move goes first to a member of a process holding it as a standby (its state
 *       is warm there), else to the least loaded member;</li>
 *   <li>{@code num.standby.replicas} standbys of each task go to distinct processes other than the
 *       active's, previous standby holders first, then the least loaded; a replica without such a
 *       process is left out, as Kafka does.</li>
 * </ul>
 * Deterministic for the same input (ties are broken by member id). Stateless; thread-safe.
 */
public final class StickyTaskAssignor {
    public static final String NAME = "sticky";

    private StickyTaskAssignor() {
    }

    /**
     * A member as the assignor sees it.
     *
     * @param active  the active tasks it owns or is still revoking
     * @param standby the standby tasks it owns
     */
    public record Member(String memberId, String processId, Set<TaskId> active, Set<TaskId> standby) {
    }

    /** One member's target assignment. */
    public record Assignment(Set<TaskId> active, Set<TaskId> standby, Set<TaskId> warmup) {
        public static final Assignment EMPTY = new Assignment(Set.of(), Set.of(), Set.of());
    }

    /** Assigns {@code tasks} to {@code members}; every member appears in the result. */
    public static Map<String, Assignment> assign(Collection<Member> members, Set<TaskId> tasks, int numStandbys) {
        Map<String, Assignment> result = new TreeMap<>();
        if (members.isEmpty()) {
            return result;
        }
        List<Member> ordered = new ArrayList<>(members);
        ordered.sort(Comparator.comparing(Member::memberId));
        Map<String, Set<TaskId>> active = new HashMap<>();
        Map<String, Set<TaskId>> standby = new HashMap<>();
        ordered.forEach(m -> {
            active.put(m.memberId(), new TreeSet<>());
            standby.put(m.memberId(), new TreeSet<>());
        });
        assignActive(ordered, tasks, active);
        if (numStandbys > 0) {
            assignStandbys(ordered, tasks, numStandbys, active, standby);
        }
        for (Member m : ordered) {
            result.put(m.memberId(), new Assignment(Set.copyOf(active.get(m.memberId())),
                    Set.copyOf(standby.get(m.memberId())), Set.of()));
        }
        return result;
    }

    /** Active tasks: sticky first, then warm standby holders, then the least loaded, within the balance. */
    private static void assignActive(List<Member> members, Set<TaskId> tasks, Map<String, Set<TaskId>> active) {
        Balance balance = new Balance(tasks.size(), members.size());
        Map<TaskId, Member> previousOwner = new HashMap<>();
        Map<TaskId, Set<String>> warmProcesses = new HashMap<>();
        for (Member m : members) {
            m.active().forEach(t -> previousOwner.putIfAbsent(t, m));
            m.standby().forEach(t -> warmProcesses.computeIfAbsent(t, x -> new HashSet<>()).add(m.processId()));
        }
        List<TaskId> unassigned = new ArrayList<>();
        for (TaskId task : tasks) {
            Member owner = previousOwner.get(task);
            if (owner != null && balance.canTake(active.get(owner.memberId()).size())) {
                balance.take(active.get(owner.memberId()), task);
            } else {
                unassigned.add(task);
            }
        }
        for (TaskId task : unassigned) {
            Set<String> warm = warmProcesses.getOrDefault(task, Set.of());
            Member chosen = null;
            for (Member m : members) {
                int load = active.get(m.memberId()).size();
                if (!balance.canTake(load)) {
                    continue;
                }
                if (chosen == null || better(m, load, chosen, active.get(chosen.memberId()).size(), warm)) {
                    chosen = m;
                }
            }
            balance.take(active.get(chosen.memberId()), task);
        }
    }

    /** Warm beats cold; then the lower load; members come in id order, so ties keep the first. */
    private static boolean better(Member m, int load, Member chosen, int chosenLoad, Set<String> warm) {
        boolean mWarm = warm.contains(m.processId());
        boolean chosenWarm = warm.contains(chosen.processId());
        if (mWarm != chosenWarm) {
            return mWarm;
        }
        return load < chosenLoad;
    }

    private static void assignStandbys(List<Member> members, Set<TaskId> tasks, int numStandbys,
                                       Map<String, Set<TaskId>> active, Map<String, Set<TaskId>> standby) {
        Map<String, String> processOf = new HashMap<>();
        members.forEach(m -> processOf.put(m.memberId(), m.processId()));
        Map<TaskId, String> activeProcess = new HashMap<>();
        active.forEach((memberId, owned) -> owned.forEach(t -> activeProcess.put(t, processOf.get(memberId))));
        for (TaskId task : tasks) {
            Set<String> used = new HashSet<>();
            used.add(activeProcess.get(task));
            for (int replica = 0; replica < numStandbys; replica++) {
                Member chosen = null;
                for (Member m : members) {
                    if (used.contains(m.processId())) {
                        continue;
                    }
                    boolean wasStandby = m.standby().contains(task);
                    int load = standby.get(m.memberId()).size() + active.get(m.memberId()).size();
                    if (chosen == null) {
                        chosen = m;
                        continue;
                    }
                    boolean chosenWas = chosen.standby().contains(task);
                    int chosenLoad = standby.get(chosen.memberId()).size() + active.get(chosen.memberId()).size();
                    if (wasStandby != chosenWas ? wasStandby : load < chosenLoad) {
                        chosen = m;
                    }
                }
                if (chosen == null) {
                    break; // fewer processes than replicas: Kafka leaves the rest unassigned too
                }
                standby.get(chosen.memberId()).add(task);
                used.add(chosen.processId());
            }
        }
    }

    /** Keeps every member at ⌊T/M⌋ or ⌈T/M⌉ active tasks, with exactly T mod M members at the ceiling. */
    private static final class Balance {
        private final int floor;
        private int ceilingsLeft;

        Balance(int tasks, int members) {
            this.floor = tasks / members;
            this.ceilingsLeft = tasks % members;
        }

        boolean canTake(int load) {
            return load < floor || (load == floor && ceilingsLeft > 0);
        }

        void take(Set<TaskId> owned, TaskId task) {
            if (owned.size() == floor) {
                ceilingsLeft--;
            }
            owned.add(task);
        }
    }
}
