package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The array map must be indistinguishable, through the Map interface, from the tree map it holds. */
class SortedArrayMapTest {
  @Test
  void behavesAsTheTreeMapItWasMadeFromForRandomContents() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 500; round++) {
      TreeMap<String, String> tree = new TreeMap<>();
      int n = random.nextInt(6);
      for (int i = 0; i < n; i++) {
        tree.put(name(random), name(random));
      }
      SortedArrayMap<String> map = SortedArrayMap.of(tree);

      assertThat(map.size()).isEqualTo(tree.size());
      assertThat(map.isEmpty()).isEqualTo(tree.isEmpty());
      assertThat(map.hashCode()).isEqualTo(tree.hashCode());
      assertThat(map.toString()).isEqualTo(tree.toString());
      assertThat(new ArrayList<>(map.entrySet())).isEqualTo(new ArrayList<>(tree.entrySet()));
      assertThat(new ArrayList<>(map.keySet())).isEqualTo(new ArrayList<>(tree.keySet()));
      List<String> visited = new ArrayList<>();
      map.forEach((k, v) -> visited.add(k + "=" + v));
      assertThat(visited).isEqualTo(tree.entrySet().stream().map(Object::toString).toList());
      for (int probe = 0; probe < 8; probe++) {
        String key = name(random);
        assertThat(map.get(key)).isEqualTo(tree.get(key));
        assertThat(map.containsKey(key)).isEqualTo(tree.containsKey(key));
      }
      for (String key : tree.keySet()) {
        assertThat(map.get(key)).isEqualTo(tree.get(key));
      }
      assertThat(map.get(42)).isNull();
      // Equal both ways to maps of other kinds with the same entries, and to a copy of itself.
      assertThat(map).isEqualTo(tree).isEqualTo(new HashMap<>(tree)).isEqualTo(SortedArrayMap.of(new TreeMap<>(tree)));
      assertThat(tree).isEqualTo(map);
      assertThat(new HashMap<>(tree)).isEqualTo(map);
    }
  }

  @Test
  void mapsThatDifferInOneKeyOrOneValueAreNotEqual() {
    SortedArrayMap<String> base = SortedArrayMap.of(new TreeMap<>(Map.of("team", "t1", "user", "alice")));
    SortedArrayMap<String> otherValue = SortedArrayMap.of(new TreeMap<>(Map.of("team", "t1", "user", "bob")));
    SortedArrayMap<String> otherKey = SortedArrayMap.of(new TreeMap<>(Map.of("team", "t1", "tool", "alice")));
    SortedArrayMap<String> fewer = SortedArrayMap.of(new TreeMap<>(Map.of("user", "alice")));

    assertThat(base).isNotEqualTo(otherValue).isNotEqualTo(otherKey).isNotEqualTo(fewer);
    assertThat(base).isNotEqualTo(new TreeMap<>(Map.of("team", "t1", "user", "bob")));
    assertThat(fewer).isNotEqualTo(base);
  }

  @Test
  void cannotBeChangedThroughTheMapOrItsEntries() {
    SortedArrayMap<Long> map = SortedArrayMap.of(new TreeMap<>(Map.of("requests", 1L, "tokens", 500L)));

    assertThatThrownBy(() -> map.put("tokens", 1L)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.remove("tokens")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(map::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.entrySet().iterator().next().setValue(2L))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> {
          var it = map.entrySet().iterator();
          it.next();
          it.remove();
        })
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(map).containsEntry("tokens", 500L).hasSize(2);
  }

  @Test
  void refusesNullValues() {
    TreeMap<String, String> withNull = new TreeMap<>();
    withNull.put("user", null);

    assertThatThrownBy(() -> SortedArrayMap.of(withNull)).isInstanceOf(NullPointerException.class);
  }

  /** Short names from a small alphabet, so that probes often hit and keys often share prefixes. */
  private static String name(SplittableRandom random) {
    StringBuilder s = new StringBuilder();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      s.append((char) ('a' + random.nextInt(3)));
    }
    return s.toString();
  }

  @Test
  void anImmutableViewOfAnArrayMapIsTheMapItselfAndOfAnyOtherMapACopy() {
    SortedArrayMap<String> sorted = SortedArrayMap.of(new TreeMap<>(Map.of("user", "alice", "team", "search")));
    assertThat(SortedArrayMap.<String>immutable(sorted)).isSameAs(sorted);

    Map<String, String> mutable = new HashMap<>(Map.of("user", "alice"));
    Map<String, String> copy = SortedArrayMap.immutable(mutable);
    mutable.put("team", "search");
    assertThat(copy).isEqualTo(Map.of("user", "alice"));
    assertThatThrownBy(() -> copy.put("team", "search")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> sorted.put("team", "ads")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> sorted.entrySet().iterator().remove()).isInstanceOf(UnsupportedOperationException.class);
  }
}
