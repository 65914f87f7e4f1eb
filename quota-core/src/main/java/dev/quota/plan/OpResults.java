package dev.quota.plan;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * What each op of a plan saw, in plan order: an unmodifiable list of {@link OpResult}, kept packed
 * in one array of longs. A full decision covers a dozen ops and its caller reads two or three
 * fields of each, so an object per op was a third of what a reservation allocated. The primitive
 * readers ({@link #allowed}, {@link #used}, ...) read without allocating; {@link #get} builds the
 * record on demand, equal to the one a store would have made.
 */
public final class OpResults extends AbstractList<OpResult> implements RandomAccess {
  public static final OpResults EMPTY = new OpResults(new long[0]);

  // Per op: used, resetAtMs, retryAtMs, then firedThresholds in the high int and allowed in bit 0.
  private static final int WIDTH = 4;
  private static final int USED = 0;
  private static final int RESET_AT = 1;
  private static final int RETRY_AT = 2;
  private static final int FLAGS = 3;

  private final long[] packed;

  private OpResults(long[] packed) {
    this.packed = packed;
  }

  /** {@code results}, packed. */
  public static OpResults of(List<OpResult> results) {
    if (results instanceof OpResults packed) {
      return packed;
    }
    Builder b = new Builder(results.size());
    for (int i = 0; i < results.size(); i++) {
      b.set(i, results.get(i));
    }
    return b.build();
  }

  /** {@code results}, packed. */
  public static OpResults of(OpResult... results) {
    return of(List.of(results));
  }

  public boolean allowed(int op) {
    return (packed[WIDTH * op + FLAGS] & 1) != 0;
  }

  public long used(int op) {
    return packed[WIDTH * op + USED];
  }

  public long resetAtMs(int op) {
    return packed[WIDTH * op + RESET_AT];
  }

  public long retryAtMs(int op) {
    return packed[WIDTH * op + RETRY_AT];
  }

  public int firedThresholds(int op) {
    return (int) (packed[WIDTH * op + FLAGS] >>> 32);
  }

  @Override
  public OpResult get(int op) {
    return new OpResult(allowed(op), used(op), resetAtMs(op), retryAtMs(op), firedThresholds(op));
  }

  @Override
  public int size() {
    return packed.length / WIDTH;
  }

  /**
   * Fills in one op's result at a time, in any order and in parts: a store learns whether an op
   * has room, then what it fired, then what its counter holds. Used once: {@link #build} hands the
   * array over.
   */
  public static final class Builder {
    private long[] packed;

    public Builder(int ops) {
      this.packed = new long[WIDTH * ops];
    }

    public Builder allowed(int op, boolean allowed) {
      int at = WIDTH * op + FLAGS;
      packed[at] = (packed[at] & ~1L) | (allowed ? 1 : 0);
      return this;
    }

    public boolean allowed(int op) {
      return (packed[WIDTH * op + FLAGS] & 1) != 0;
    }

    public Builder fired(int op, int firedThresholds) {
      int at = WIDTH * op + FLAGS;
      packed[at] = ((long) firedThresholds << 32) | (packed[at] & 1);
      return this;
    }

    public int fired(int op) {
      return (int) (packed[WIDTH * op + FLAGS] >>> 32);
    }

    /** What op {@code op}'s counter holds: its {@link OpResult#used}, reset and retry times. */
    public Builder counter(int op, long used, long resetAtMs, long retryAtMs) {
      int at = WIDTH * op;
      packed[at + USED] = used;
      packed[at + RESET_AT] = resetAtMs;
      packed[at + RETRY_AT] = retryAtMs;
      return this;
    }

    public Builder set(int op, OpResult r) {
      return allowed(op, r.allowed()).fired(op, r.firedThresholds()).counter(op, r.used(), r.resetAtMs(), r.retryAtMs());
    }

    public OpResults build() {
      long[] done = packed;
      packed = null; // a later call fails rather than change a list already handed out
      return new OpResults(done);
    }
  }
}
