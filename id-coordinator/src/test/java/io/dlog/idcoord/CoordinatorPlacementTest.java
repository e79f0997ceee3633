package io.dlog.idcoord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CoordinatorPlacementTest {
    private static final int KEYS = 10_000;
    private static final List<Integer> NODES = List.of(1, 2, 3, 4, 5);

    @Test
    void shouldMoveOnlyTheRemovedNodesKeys() {
        Map<String, Integer> before = place(NODES);
        List<Integer> without3 = List.of(1, 2, 4, 5);
        Map<String, Integer> after = place(without3);
        int moved = 0;
        for (String key : before.keySet()) {
            if (before.get(key) == 3) {
                moved++;
                assertThat(after.get(key)).isNotEqualTo(3);
            } else {
                assertThat(after.get(key)).as(key).isEqualTo(before.get(key));
            }
        }
        assertThat(moved).isBetween(KEYS / 5 - KEYS / 25, KEYS / 5 + KEYS / 25);
    }

    @Test
    void shouldMoveKeysOnlyToAnAddedNode() {
        Map<String, Integer> before = place(NODES);
        Map<String, Integer> after = place(List.of(1, 2, 3, 4, 5, 6));
        int moved = 0;
        for (String key : before.keySet()) {
            if (!after.get(key).equals(before.get(key))) {
                moved++;
                assertThat(after.get(key)).isEqualTo(6);
            }
        }
        assertThat(moved).isBetween(KEYS / 6 - KEYS / 25, KEYS / 6 + KEYS / 25);
    }

    @Test
    void shouldSpreadKeysEvenly() {
        Map<Integer, Integer> perNode = new HashMap<>();
        place(NODES).values().forEach(node -> perNode.merge(node, 1, Integer::sum));
        assertThat(perNode).containsOnlyKeys(NODES);
        perNode.values().forEach(count -> assertThat(count).isBetween(1_800, 2_200));
    }

    @Test
    void shouldNotDependOnOrderOrDuplicates() {
        List<Integer> shuffled = new ArrayList<>(NODES);
        Collections.shuffle(shuffled, new Random(42));
        List<Integer> withDuplicates = new ArrayList<>(shuffled);
        withDuplicates.addAll(NODES);
        for (int i = 0; i < 1_000; i++) {
            String key = "group-" + i;
            int owner = CoordinatorPlacement.ownerOf(key, NODES);
            assertThat(CoordinatorPlacement.ownerOf(key, shuffled)).isEqualTo(owner);
            assertThat(CoordinatorPlacement.ownerOf(key, Set.copyOf(NODES))).isEqualTo(owner);
            assertThat(CoordinatorPlacement.ownerOf(key, withDuplicates)).isEqualTo(owner);
        }
    }

    @Test
    void shouldKeepTheHashStableAcrossVersions() {
        // Every node must agree on owners: these pin the hash. Changing them needs a migration plan.
        assertThat(CoordinatorPlacement.keyHash("")).isEqualTo(PINNED_EMPTY);
        assertThat(CoordinatorPlacement.keyHash("my-group")).isEqualTo(PINNED_MY_GROUP);
        assertThat(owners("my-group", "orders-consumer", "tx-42", "\u00df-unicode-\u03ba\u03bb\u03b5\u03b9\u03b4\u03af"))
                .containsExactly(PINNED_OWNERS);
    }

    @Test
    void shouldRejectAnEmptyNodeSet() {
        assertThatThrownBy(() -> CoordinatorPlacement.ownerOf("g", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(CoordinatorPlacement.ownerOf("g", List.of(17))).isEqualTo(17);
    }

    private static final long PINNED_EMPTY = 0xefd01f60ba992926L;
    private static final long PINNED_MY_GROUP = 0x32435290ca285dafL;
    private static final int[] PINNED_OWNERS = {5, 4, 2, 3};

    private static int[] owners(String... keys) {
        int[] owners = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            owners[i] = CoordinatorPlacement.ownerOf(keys[i], List.of(0, 1, 2, 3, 4, 5, 6, 7));
        }
        return owners;
    }

    private static Map<String, Integer> place(List<Integer> nodes) {
        Map<String, Integer> owners = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "consumer-group-" + i;
            owners.put(key, CoordinatorPlacement.ownerOf(key, nodes));
        }
        return owners;
    }
}
