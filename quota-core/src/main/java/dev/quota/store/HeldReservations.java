package dev.quota.store;

import dev.quota.plan.Holding;

/**
 * The reservations a {@link MemoryStore} holds, by id and by expiry time, at about one small
 * object each. One lock guards all of it; its sections are short and never take a stripe lock,
 * so callers may hold stripes while calling in (a reserve does) but must not call out to stripes
 * from inside. Taking a reservation out ({@link #remove} or {@link #pollExpired}) is the one step
 * that claims it, so exactly one caller settles or expires each.
 */
final class HeldReservations {
  private final ReservationTable byId = new ReservationTable();
  private final ExpiryHeap byExpiry = new ExpiryHeap();
  private final ShapeTable shapes = new ShapeTable();
  /** The soonest expiry, readable without the lock, so the common "nothing due" check takes none. */
  private volatile long nextExpiryMs = Long.MAX_VALUE;

  /**
   * Holds a reservation until {@code expiresAtMs}. A reservation already held under the same id is
   * dropped without returning its holds (ids are unique; this only keeps the structures consistent).
   *
   * @param derived the reservation's ops, with what the store worked out from them
   * @param madeAt the store's reset count, read after the reservation's counters were made
   * @param reservedAtMs the store's time of the reservation
   */
  synchronized void add(
      String id, long expiresAtMs, DerivedOps.Entry derived, String payload, int madeAt, long reservedAtMs) {
    ReservationShape shape = shapes.acquire(derived, payload);
    HeldReservation r = new HeldReservation(id, shape, derived.hold, shape.share(payload), madeAt, reservedAtMs, expiresAtMs);
    HeldReservation replaced = byId.put(r);
    if (replaced != null) {
      byExpiry.remove(replaced);
      shapes.release(replaced.shape);
    }
    byExpiry.add(r, expiresAtMs);
    nextExpiryMs = byExpiry.firstAtMs();
  }

  /** Takes out the reservation held under {@code id}, or returns null if none is. */
  synchronized HeldReservation remove(String id) {
    boolean compact = ReservationIds.isCompact(id);
    HeldReservation r =
        byId.remove(ReservationIds.high(id, compact), ReservationIds.low(id, compact), compact ? null : id);
    if (r != null) {
      byExpiry.remove(r);
      shapes.release(r.shape);
      nextExpiryMs = byExpiry.firstAtMs();
    }
    return r;
  }

  /**
   * What is held under {@code id} if it is held and expires after {@code nowMs}, else null: one
   * past its expiry is gone, whether or not a call has released it yet. Leaves it held.
   */
  synchronized Holding find(String id, long nowMs) {
    boolean compact = ReservationIds.isCompact(id);
    HeldReservation r =
        byId.get(ReservationIds.high(id, compact), ReservationIds.low(id, compact), compact ? null : id);
    if (r == null) {
      return null;
    }
    long expiresAtMs = byExpiry.atMs(r);
    return expiresAtMs > nowMs ? new Holding(r.payload, expiresAtMs) : null;
  }

  /** Takes out the reservation that expires first if it expires by {@code nowMs}; else null. */
  synchronized HeldReservation pollExpired(long nowMs) {
    if (byExpiry.firstAtMs() > nowMs) {
      return null;
    }
    HeldReservation r = byExpiry.poll();
    byId.remove(r);
    shapes.release(r.shape);
    nextExpiryMs = byExpiry.firstAtMs();
    return r;
  }

  /** The soonest expiry time, or {@link Long#MAX_VALUE} if nothing is held; read without locking. */
  long nextExpiryMs() {
    return nextExpiryMs;
  }

  synchronized int size() {
    return byId.size();
  }

  /** Distinct shapes held, for tests. */
  synchronized int shapeCount() {
    return shapes.size();
  }
}
