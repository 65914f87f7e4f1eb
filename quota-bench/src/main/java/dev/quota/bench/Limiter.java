package dev.quota.bench;

/**
 * One key-addressed rate limiter under test: Quota or a peer, built for a {@link Workload} on a
 * {@link SimulatedTime}. Every implementation looks its per-key state up by key name (as an
 * application keeping one limiter per user would) and takes one unit from every limit of the key,
 * or none.
 */
public interface Limiter extends AutoCloseable {
  /** Takes one unit for key {@code keyIndex} if every limit has room; true if admitted. */
  boolean tryAcquire(int keyIndex);

  /** Whether a denial can still have consumed from some limits (peers that lack multi-limit atomicity). */
  default boolean atomicAcrossLimits() {
    return true;
  }

  @Override
  default void close() {}
}
