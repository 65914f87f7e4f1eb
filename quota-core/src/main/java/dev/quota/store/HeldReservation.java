package dev.quota.store;

/**
 * A reservation holding its counters until settled or expired: one small object. Its id is kept
 * as two longs (see {@link ReservationIds}), what it did to the counters as a
 * {@link ReservationShape} shared with every reservation of the same ops, and its own hold beside
 * it. Its expiry time is kept here too (the {@link ExpiryHeap} orders by its own copy), so that
 * settling it frees the very slot it holds in each concurrency counter (see
 * {@link CounterTable.Slots}).
 */
final class HeldReservation {
  final long idHigh;
  final long idLow;
  /** The id when it is not compact, else null. */
  final String id;
  final ReservationShape shape;
  /** Every budget's hold if the shape is uniform, else the largest (see {@link ReservationShape#holdOf}). */
  final long holdNanos;
  /** Handed back on settlement; the shape's copy when equal, so equal payloads are kept once. */
  final String payload;
  /**
   * The store's reset count when this was made (see {@link CounterTable#resets()}): a counter born
   * later replaced, through a reset, the one this holds. An int, so the object stays 72 bytes.
   */
  final int madeAt;
  /**
   * The store's time when this was made, handed back on commit for the ledger row: a budget
   * rebuilt from the ledger counts the spend from then, as the counters this holds did.
   */
  final long reservedAtMs;
  /** When it releases itself if not settled. */
  final long expiresAtMs;
  /** Position in the {@link ExpiryHeap}; -1 once out of it. Guarded by the heap's owner. */
  int heapIndex = -1;

  HeldReservation(
      String id, ReservationShape shape, long holdNanos, String payload, int madeAt, long reservedAtMs, long expiresAtMs) {
    boolean compact = ReservationIds.isCompact(id);
    this.idHigh = ReservationIds.high(id, compact);
    this.idLow = ReservationIds.low(id, compact);
    this.id = compact ? null : id;
    this.shape = shape;
    this.holdNanos = holdNanos;
    this.payload = payload;
    this.madeAt = madeAt;
    this.reservedAtMs = reservedAtMs;
    this.expiresAtMs = expiresAtMs;
  }

  /** The id's hash for the {@link SettledLog}, the same as {@link #idHash(String)} of the id. */
  long idHash() {
    return ReservationIds.hash(idHigh, idLow);
  }

  static long idHash(String id) {
    boolean compact = ReservationIds.isCompact(id);
    return ReservationIds.hash(ReservationIds.high(id, compact), ReservationIds.low(id, compact));
  }

  /** True if this is the reservation filed under the id given as {@code high}, {@code low} and {@code name}. */
  boolean is(long high, long low, String name) {
    return idHigh == high && idLow == low && (id == null ? name == null : id.equals(name));
  }
}
