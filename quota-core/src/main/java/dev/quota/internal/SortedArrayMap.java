package dev.quota.internal;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.BiConsumer;

/**
 * An immutable map from names to values, sorted by name, held in two arrays, its hash computed once.
 *
 * <p>A request's subjects and meters are hashed on every decision (the recent-plan cache is keyed
 * by the request's content). A tree map walks a node and two strings per entry to hash, each a
 * cache miss once callers outnumber the cache; this map answers from one field. It iterates, prints
 * and compares like any other {@link Map}: sorted iteration, {@code {k=v, ...}} text, and the
 * {@link Map#hashCode()} and {@link Map#equals} contracts.
 */
public final class SortedArrayMap<V> extends AbstractMap<String, V> {
  private static final SortedArrayMap<?> EMPTY = new SortedArrayMap<>(new String[0], new Object[0]);

  private final int hash;
  private final String[] keys;
  private final Object[] values;
  private Set<Map.Entry<String, V>> entries;

  private SortedArrayMap(String[] keys, Object[] values) {
    this.keys = keys;
    this.values = values;
    int h = 0;
    for (int i = 0; i < keys.length; i++) {
      h += keys[i].hashCode() ^ values[i].hashCode();
    }
    this.hash = h;
  }

  /**
   * {@code map} itself if it is a {@code SortedArrayMap}, which nobody can change, else an
   * immutable copy as {@link Map#copyOf} makes. A request's subjects and meters are such maps
   * already; copying them into every ledger row cost a hash table per row on the hot path.
   */
  @SuppressWarnings("unchecked")
  public static <V> Map<String, V> immutable(Map<String, ? extends V> map) {
    return map instanceof SortedArrayMap<?> sorted ? (Map<String, V>) sorted : Map.copyOf(map);
  }

  /** The entries of {@code sorted}, which must hold neither null keys nor null values. */
  @SuppressWarnings("unchecked")
  public static <V> SortedArrayMap<V> of(SortedMap<String, V> sorted) {
    if (sorted.isEmpty()) {
      return (SortedArrayMap<V>) EMPTY;
    }
    String[] keys = new String[sorted.size()];
    Object[] values = new Object[keys.length];
    int i = 0;
    for (Map.Entry<String, V> e : sorted.entrySet()) {
      keys[i] = requireNonNull(e.getKey());
      values[i] = requireNonNull(e.getValue());
      i++;
    }
    return new SortedArrayMap<>(keys, values);
  }

  private static <T> T requireNonNull(T t) {
    if (t == null) {
      throw new NullPointerException("a sorted array map holds no nulls");
    }
    return t;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = indexOf(key);
    return i >= 0 ? (V) values[i] : null;
  }

  private int indexOf(Object key) {
    return key instanceof String s ? Arrays.binarySearch(keys, s) : -1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void forEach(BiConsumer<? super String, ? super V> action) {
    for (int i = 0; i < keys.length; i++) {
      action.accept(keys[i], (V) values[i]);
    }
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof SortedArrayMap<?> other) {
      return hash == other.hash && Arrays.equals(keys, other.keys) && Arrays.equals(values, other.values);
    }
    return super.equals(o);
  }

  @Override
  public Set<Map.Entry<String, V>> entrySet() {
    Set<Map.Entry<String, V>> e = entries;
    if (e == null) {
      entries = e = new Entries();
    }
    return e;
  }

  private final class Entries extends AbstractSet<Map.Entry<String, V>> {
    @Override
    public int size() {
      return keys.length;
    }

    @Override
    public Iterator<Map.Entry<String, V>> iterator() {
      return new Iterator<>() {
        private int next;

        @Override
        public boolean hasNext() {
          return next < keys.length;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map.Entry<String, V> next() {
          if (next >= keys.length) {
            throw new NoSuchElementException();
          }
          int i = next++;
          return new SimpleImmutableEntry<>(keys[i], (V) values[i]);
        }
      };
    }
  }
}
