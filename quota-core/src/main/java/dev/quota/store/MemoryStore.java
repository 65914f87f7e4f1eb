package dev.quota.store;

import dev.quota.QuotaRequest;
import dev.quota.internal.SlidingWindow;
import dev.quota.internal.Thresholds;
import dev.quota.internal.TokenBucket;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Holding;
import dev.quota.plan.OpResults;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.plan.StaleBudget;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * Counters in this JVM's heap: exact, atomic per plan, and lost when the process ends (the engine
 * re-seeds budgets from the ledger after a restart).
 *
 * <p>Concurrency: counters are guarded by a fixed array of lock stripes. A plan locks the stripes of
 * all its counters (and of its idempotency key) in ascending order, so plans over disjoint
 * counters run in parallel, plans over shared counters serialize, and no two plans deadlock.
 * Reservations that expire are released by whichever call next notices, exactly once, because
 * taking a reservation out of {@link #held} is the one step that claims it.
 */
public final class MemoryStore implements Store {
  /** How long a repeated idempotency key is recognized, at most. */
  private static final long IDEMPOTENCY_TTL_MS = 24 * 3600_000L;
  /**
   * At most this many idempotency records are kept (a few hundred bytes each), the oldest forgotten
   * first: a day of keys at a thousand keyed calls a second would not fit in any heap, and running
   * out of memory would lose every counter. A key is then recognized for a day or until this many
   * newer keys came, whichever is sooner; retries come within seconds or minutes.
   */
  static final int MAX_IDEMPOTENT = 1 << 18;
  /**
   * How long a settled or expired reservation is remembered, so a retried commit or release is
   * answered as a repeat. Shorter than the idempotency window: it grows with every decision.
   */
  private static final long SETTLED_TTL_MS = 3600_000L;
  /**
   * At most this many settled reservations are remembered, newest first, so memory stays fixed
   * (about 6 MB) at any decision rate; see {@link SettledLog} for why forgetting early is safe.
   */
  static final int MAX_SETTLED = 1 << 17;
  /**
   * How long a budget counter outlives its period before {@link #sweep} drops it: a reservation
   * made in the period and settled just after it is charged to the counter it held, as on Redis,
   * whose budget counters expire an hour after their period.
   */
  static final long BUDGET_KEPT_MS = 3600_000L;

  private final Clock clock;
  private final long epochStartMs;
  private final StripeLocks locks = new StripeLocks();
  private final CounterTable counters = new CounterTable();
  private final HeldReservations held = new HeldReservations();
  /**
   * Twice the sets of the engine's recent-plan cache, so that the lists of its compilations seldom
   * crowd a set; entries are small, and the lists they keep are mostly the plan cache's own.
   */
  private final DerivedOps derived = new DerivedOps(2048);
  private final Map<String, Remembered> idempotent = new ConcurrentHashMap<>();
  // Insertion order of the two maps above, so old records are dropped as new ones arrive
  // (amortized O(1)) instead of piling up until a sweep.
  private final Queue<Aging> idempotentOrder = new ConcurrentLinkedQueue<>();

  /** A record's key and when it may be forgotten. */
  private record Aging(String key, long forgetAtMs) {}

  private final SettledLog settled;
  /** How an expiry settles: a release (the id is not read). */
  private static final Settlement EXPIRY = Settlement.release("expired");

  private final int maxIdempotent;

  public MemoryStore(Clock clock) {
    this(clock, MAX_SETTLED, MAX_IDEMPOTENT);
  }

  MemoryStore(Clock clock, int maxSettled) {
    this(clock, maxSettled, MAX_IDEMPOTENT);
  }

  MemoryStore(Clock clock, int maxSettled, int maxIdempotent) {
    this.clock = clock;
    this.epochStartMs = clock.millis();
    this.settled = new SettledLog(maxSettled, SETTLED_TTL_MS);
    this.maxIdempotent = maxIdempotent;
  }

  private record Remembered(String fingerprint, PlanResult result, long expiresAtMs) {}

  @Override
  public PlanResult apply(Plan plan) {
    releaseExpired(clock.millis());
    List<CounterOp> ops = plan.ops();
    // An idempotency key adds its own stripe: such plans work theirs out each time.
    DerivedOps.Entry derivedOps = plan.idempotencyKey() == null ? derived.of(ops) : null;
    int[] stripes = derivedOps != null ? derivedOps.stripes : stripesOf(ops, plan.idempotencyKey());
    locks.lock(stripes);
    try {
      // Read under the locks, so calls on the same counters see time in the order they run.
      long now = clock.millis();
      for (CounterOp op : ops) {
        if (op instanceof BudgetOp b && (now < b.periodStartMs() || now >= b.periodEndMs())) {
          return PlanResult.of(PlanResult.Status.PERIOD_MISMATCH, now);
        }
      }
      if (plan.idempotencyKey() != null) {
        Remembered r = idempotent.get(plan.idempotencyKey());
        if (r != null && r.expiresAtMs > now) {
          if (!r.fingerprint.equals(plan.fingerprint())) {
            return PlanResult.of(PlanResult.Status.CONFLICT, now);
          }
          PlanResult first = r.result;
          return new PlanResult(
              PlanResult.Status.REPLAYED, first.admitted(), first.results(), first.nowMs(),
              first.expiresAtMs(), List.of(), first.reservationId());
        }
      }
      // Counters this ops list found last time, unless one may have gone; filled in below.
      Object[] known = derivedOps != null ? derivedOps.counters(counters) : new Object[ops.size()];
      if (plan.seedBudgets()) {
        PlanResult unsure = unsureBudgets(ops, known, now);
        if (unsure != null) {
          return unsure;
        }
      }
      PlanResult result = evaluate(plan, now, derivedOps, known);
      // Only an admission is filed under its key: a denial changed nothing, so a retry under the
      // key is decided afresh rather than refused again until the record expires. A check changed
      // nothing either: it only looks the key up.
      if (plan.idempotencyKey() != null && result.admitted() && plan.kind() != Plan.Kind.CHECK) {
        idempotent.put(
            plan.idempotencyKey(),
            new Remembered(plan.fingerprint(), result, now + IDEMPOTENCY_TTL_MS));
        idempotentOrder.add(new Aging(plan.idempotencyKey(), now + IDEMPOTENCY_TTL_MS));
        forgetOld(idempotentOrder, idempotent, now);
        forgetOldest(idempotentOrder, idempotent, maxIdempotent);
      }
      return result;
    } finally {
      locks.unlock(stripes);
    }
  }

  /**
   * NEEDS_SEED for the budgets of {@code ops} that may have been lost or that may be behind the
   * ledger (stale), else null. One with a {@code known} counter was not lost; a counter looked up
   * here is entered in {@code known}, so the decision does not look it up again.
   */
  private PlanResult unsureBudgets(List<CounterOp> ops, Object[] known, long now) {
    List<Integer> missing = null;
    List<StaleBudget> stale = null;
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof BudgetOp b) {
        if (known[i] == null) {
          known[i] = counters.budget(b.key());
        }
        CounterTable.Budget budget = (CounterTable.Budget) known[i];
        if (budget == null ? b.seedIfMissing(epochStartMs) : b.staleSince(budget.touchedMs)) {
          if (budget == null) {
            (missing = missing == null ? new ArrayList<>(1) : missing).add(i);
          } else {
            (stale = stale == null ? new ArrayList<>(1) : stale).add(new StaleBudget(i, budget.touchedMs));
          }
        }
      }
    }
    return missing == null && stale == null
        ? null
        : PlanResult.needsSeed(now, missing == null ? List.of() : missing, stale == null ? List.of() : stale);
  }

  /**
   * @param found op i's counter if already known, else null; filled in here: each counter is
   *     looked up at most once, and a counter made by this call is entered too
   */
  private PlanResult evaluate(Plan plan, long now, DerivedOps.Entry derivedOps, Object[] found) {
    List<CounterOp> ops = plan.ops();
    boolean record = plan.kind() == Plan.Kind.RECORD;
    boolean admitted = true;
    OpResults.Builder results = new OpResults.Builder(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      CounterOp op = ops.get(i);
      if (found[i] == null) {
        // Null after this only for a budget or slots not yet used.
        found[i] = op instanceof RateOp r ? counters.rate(r, now) : counters.find(op.key());
      } else if (op instanceof RateOp r) {
        CounterTable.limitTo(found[i], r);
        CounterTable.advance(found[i], now);
      }
      boolean allowed = hasRoom(op, found[i]);
      results.allowed(i, allowed);
      if (!allowed && op.enforced() && !record) {
        admitted = false;
      }
    }
    boolean apply = admitted && plan.kind() != Plan.Kind.CHECK;
    // A slot is held until the reservation expires (a recorded one, which no plan makes, at once).
    long expiresAt = apply && plan.kind() == Plan.Kind.RESERVE ? now + plan.ttlMs() : 0;
    if (apply) {
      for (int i = 0; i < ops.size(); i++) {
        CounterOp op = ops.get(i);
        if (found[i] == null) {
          found[i] = op instanceof BudgetOp b ? counters.budgetOrNew(b, now) : counters.slotsOrNew(op.key());
        }
        results.fired(i, take(op, found[i], now, expiresAt == 0 ? now : expiresAt));
      }
    }
    for (int i = 0; i < ops.size(); i++) {
      describe(ops.get(i), found[i], now, results.allowed(i), i, results);
    }
    if (expiresAt != 0) {
      // A settlement locks the ops' stripes only, without the idempotency key's: a plan with a key
      // has no entry yet, so one is made for the shape.
      // The reset count is read after the counters above were made, so none of them looks newer.
      held.add(plan.reservationId(), expiresAt, derivedOps != null ? derivedOps : DerivedOps.Entry.of(ops), plan.payload(),
          counters.resets(), now);
    }
    String filed = expiresAt == 0 ? null : plan.reservationId();
    return new PlanResult(PlanResult.Status.APPLIED, admitted, results.build(), now, expiresAt, List.of(), filed);
  }

  /** Gives back {@code amount} that a reservation made at {@code madeAtMs} took from {@code rate} (if it still exists) and did not use. */
  private static void giveBack(Object rate, RateOp op, long amount, long madeAtMs, long now) {
    if (rate == null) {
      return; // swept once its window emptied: what the reservation took has left it
    }
    CounterTable.limitTo(rate, op);
    CounterTable.advance(rate, now);
    if (rate instanceof SlidingWindow w) {
      w.takeBack(madeAtMs, amount);
    } else {
      ((TokenBucket) rate).giveBack(amount);
    }
  }

  private static boolean hasRoom(CounterOp op, Object counter) {
    if (op instanceof RateOp r) {
      return counter instanceof SlidingWindow w
          ? w.used() + r.amount() <= r.limit().limit()
          : ((TokenBucket) counter).hasRoom(r.amount());
    }
    if (op instanceof BudgetOp b) {
      return counter == null ? b.amountNanos() <= b.limitNanos() : ((CounterTable.Budget) counter).hasRoom(b.amountNanos(), b.limitNanos());
    }
    int inFlight = counter == null ? 0 : ((CounterTable.Slots) counter).inFlight;
    return inFlight < ((ConcurrencyOp) op).max();
  }

  /**
   * Consumes op's share from its (existing) counter, a slot until {@code slotExpiresAtMs}; returns
   * the alert bits a budget newly crossed.
   */
  private static int take(CounterOp op, Object counter, long now, long slotExpiresAtMs) {
    if (op instanceof RateOp r) {
      take(counter, r.amount(), now);
      return 0;
    }
    if (op instanceof BudgetOp b) {
      CounterTable.Budget budget = (CounterTable.Budget) counter;
      budget.charge(b.amountNanos());
      budget.touch(now);
      return alert(budget, b.limitNanos(), b.thresholdNanos());
    }
    ((CounterTable.Slots) counter).hold(slotExpiresAtMs);
    return 0;
  }

  /** The levels {@code budget} alerts for the first time in its period, now noted as alerted. */
  static int alert(CounterTable.Budget budget, long limit, long[] thresholds) {
    int newly = Thresholds.crossed(budget.alertedUpTo, budget.used, limit, thresholds);
    if (newly != 0) {
      budget.alertedUpTo = Thresholds.alertedUpTo(budget.alertedUpTo, budget.used, limit, thresholds);
    }
    return newly;
  }

  private static void take(Object rate, long amount, long now) {
    if (rate instanceof SlidingWindow w) {
      w.add(now, amount);
    } else {
      ((TokenBucket) rate).take(amount);
    }
  }

  /** Fills in op {@code i}'s counter as {@code results} reports it. */
  private static void describe(CounterOp op, Object counter, long now, boolean allowed, int i, OpResults.Builder results) {
    if (op instanceof RateOp r) {
      long limit = r.limit().limit();
      if (counter instanceof SlidingWindow w) {
        long retry = allowed ? 0 : w.retryAtMs(now, r.amount(), limit);
        results.counter(i, w.used(), w.resetAtMs(), retry);
        return;
      }
      TokenBucket b = (TokenBucket) counter;
      long retry = allowed ? 0 : b.retryAtMs(now, r.amount());
      results.counter(i, b.used(), b.isFull() ? 0 : b.resetAtMs(now), retry);
      return;
    }
    if (op instanceof BudgetOp b) {
      long used = counter == null ? 0 : ((CounterTable.Budget) counter).used;
      long retry = allowed ? 0 : (b.amountNanos() > b.limitNanos() ? -1 : b.periodEndMs());
      results.counter(i, used, b.periodEndMs(), retry);
      return;
    }
    CounterTable.Slots slots = (CounterTable.Slots) counter;
    int inFlight = slots == null ? 0 : slots.inFlight;
    results.counter(i, inFlight, 0, allowed ? 0 : slotRetryAtMs(slots, ((ConcurrencyOp) op).max()));
  }

  /**
   * When a cap of {@code max} slots has one free again without anyone settling: once all but
   * {@code max - 1} of the slots held have expired. A settlement may free one sooner; the store
   * cannot know when. -1 if nothing held can free one (a cap of none).
   */
  private static long slotRetryAtMs(CounterTable.Slots slots, int max) {
    if (slots == null || max <= 0 || slots.inFlight < max) {
      return -1;
    }
    return slots.expiryMs(slots.inFlight - max);
  }

  /**
   * Prepares {@code ops} (rate limits and budgets, no concurrency slots) for repeated
   * all-or-nothing consumption without a plan; see {@link PreparedOps}.
   */
  public PreparedOps prepare(CounterOp[] ops) {
    return prepare(ops, null);
  }

  /**
   * As {@link #prepare(CounterOp[])}, remembering {@code source}, what the caller prepared the ops
   * from (see {@link PreparedOps#source()}).
   */
  public PreparedOps prepare(CounterOp[] ops, Object source) {
    return PreparedOps.of(this, counters, ops, source);
  }

  /** Releases the reservations that expired by now; called before taking any stripe lock. */
  void releaseExpired() {
    if (held.nextExpiryMs() != Long.MAX_VALUE) {
      releaseExpired(clock.millis());
    }
  }

  /**
   * The time, read while holding the stripes a call works on, so that calls on the same counters
   * see time in the order they run.
   */
  long now() {
    return clock.millis();
  }

  /**
   * This store's clock, which dates its decisions, reservations and so the ledger's rows: a reset
   * and the engines' take-up of budget counters are dated by it too (see {@link Store#clockMs}).
   */
  @Override
  public OptionalLong clockMs() {
    return OptionalLong.of(clock.millis());
  }

  StripeLocks locks() {
    return locks;
  }

  /**
   * True if {@code b}'s counter is missing and may have been lost with an earlier process, or
   * its period's spend may have been counted under another calendar's counter.
   */
  boolean mayHaveLost(BudgetOp b) {
    return b.seedIfMissing(epochStartMs) && !counters.contains(b.key());
  }

  @Override
  public SettleResult settle(Settlement s) {
    long now = clock.millis();
    releaseExpired(now);
    HeldReservation r;
    SettledLog.Outcome before = null;
    // Taking the reservation out and logging its settlement is one step (as in takeOutExpired): a second
    // settlement in between would find it neither held nor settled and be told it never existed,
    // which tells a caller to record the call's cost as usage: charged twice.
    synchronized (held) {
      r = held.remove(s.reservationId());
      if (r != null) {
        settled.add(r.idHash(), s.fingerprint(), Math.max(0, r.holdNanos), false, now);
      } else {
        before = settled.find(HeldReservation.idHash(s.reservationId()), s.fingerprint(), now);
      }
    }
    if (r == null) {
      if (before == null) {
        return SettleResult.of(SettleResult.Status.UNKNOWN, now);
      }
      if (before.expired()) {
        return SettleResult.of(SettleResult.Status.EXPIRED, now);
      }
      SettleResult.Status status = before.sameSettlement() ? SettleResult.Status.REPEATED : SettleResult.Status.CONFLICT;
      return new SettleResult(status, null, before.heldNanos(), now, List.of(), 0);
    }
    return undo(r, s, now, true);
  }

  @Override
  public Optional<Holding> holding(String reservationId) {
    return Optional.ofNullable(held.find(reservationId, clock.millis()));
  }

  /**
   * Returns a reservation's holds: the actual cost replaces the estimate on commit, and the actual
   * meters the amounts its rate limits took; a release returns budgets and slots, no rate limit. Returns the settlement's result, or null if {@code report} is false (an expiry, which
   * no one is told about, so its budget changes are not written up).
   *
   * <p>A budget or slots counter born after the reservation was made is not the one it holds: only
   * a reset of its subject can replace that one while it is held (a budget's key names its period,
   * and slots in use are never swept), and a reset forgave the holds. Such counters are left alone,
   * or the subject would get back holds it no longer has and go over its cap and budget.
   */
  private SettleResult undo(HeldReservation r, Settlement s, long now, boolean report) {
    ReservationShape shape = r.shape;
    int[] stripes = shape.stripes;
    locks.lock(stripes);
    try {
      List<SettleResult.BudgetChange> changes = report ? new ArrayList<>() : null;
      List<CounterOp> ops = shape.ops;
      // The counters the shape's ops last found, still the table's under these stripes (see DerivedOps).
      Object[] known = shape.derived.counters(counters);
      for (int i = 0; i < ops.size(); i++) {
        CounterOp op = ops.get(i);
        if (op instanceof BudgetOp b) {
          CounterTable.Budget budget = known[i] != null ? (CounterTable.Budget) known[i] : counters.budget(b.key());
          if (budget == null || budget.bornAt - r.madeAt > 0) {
            continue; // reset by an admin since: nothing left to return
          }
          long delta = (s.commit() ? s.actualCostNanos() : 0) - shape.hold(b, r.holdNanos);
          budget.charge(delta);
          int newly = alert(budget, b.limitNanos(), b.thresholdNanos());
          if (report) {
            changes.add(new SettleResult.BudgetChange(b.label(), b.key(), b.limitNanos(), budget.used, newly));
          }
        } else if (op instanceof ConcurrencyOp) {
          CounterTable.Slots slots = known[i] != null ? (CounterTable.Slots) known[i] : counters.slots(op.key());
          if (slots != null && slots.bornAt - r.madeAt <= 0) {
            slots.free(r.expiresAtMs);
          }
        } else if (op instanceof RateOp rate && s.commit()) {
          Long actual = s.actualMeters().get(rate.limit().meter());
          if (actual == null) {
            continue; // a meter the commit does not name stays as reserved
          }
          if (actual > rate.amount()) {
            take(counters.rate(rate, now), actual - rate.amount(), now);
          } else if (actual < rate.amount() && !counters.resetSince(rate.key().subject(), r.reservedAtMs)) {
            // After a reset of its subject the counter may be a new one, holding none of this
            // reservation: nothing is given back rather than the wrong part.
            giveBack(counters.find(rate.key()), rate, rate.amount() - actual, r.reservedAtMs, now);
          }
        }
      }
      return report
          ? new SettleResult(SettleResult.Status.SETTLED, r.payload, Math.max(0, r.holdNanos), now, changes, r.reservedAtMs)
          : null;
    } finally {
      locks.unlock(stripes);
    }
  }

  private void releaseExpired(long now) {
    // Checked without the lock first: every call comes here, and while nothing is due (the common
    // case) taking the reservations' lock would serialize all of them on it.
    if (held.nextExpiryMs() > now) {
      return;
    }
    for (HeldReservation r = takeOutExpired(now); r != null; r = takeOutExpired(now)) {
      undo(r, EXPIRY, now, false);
    }
  }

  /**
   * The next reservation expired by {@code now}, taken out and logged as expired in one step, as a
   * settlement takes its reservation out: one racing the expiry is then told it expired, never that
   * the reservation is unknown.
   */
  private HeldReservation takeOutExpired(long now) {
    synchronized (held) {
      HeldReservation r = held.pollExpired(now);
      if (r != null) {
        settled.add(r.idHash(), "", 0, true, now);
      }
      return r;
    }
  }

  @Override
  public void seed(
      CounterKey key, long nanos, long periodEndMs, int firedThresholds, long missingAtMs, long alertedUpTo) {
    int stripe = StripeLocks.stripe(key);
    locks.lock(stripe);
    try {
      // Under the subject's stripe, which a reset holds while it counts itself and removes counters.
      if (missingAtMs == Long.MAX_VALUE || !counters.resetSince(key.subject(), missingAtMs + 1)) {
        counters.seed(key, nanos, periodEndMs, firedThresholds, alertedUpTo, clock.millis());
      }
    } finally {
      locks.unlock(stripe);
    }
  }

  @Override
  public CaughtUp catchUp(BudgetOp op, long nanos, long touchedMs) {
    int stripe = StripeLocks.stripe(op.key());
    locks.lock(stripe);
    try {
      CounterTable.Budget budget = counters.budget(op.key());
      if (budget == null || budget.touchedMs != touchedMs) {
        return CaughtUp.NOT_APPLIED; // caught up or decided on since, or reset: the engine asks again
      }
      budget.charge(Math.max(0, nanos));
      budget.touch(Math.max(clock.millis(), op.seedBeforeMs()));
      return new CaughtUp(true, budget.used, alert(budget, op.limitNanos(), op.thresholdNanos()));
    } finally {
      locks.unlock(stripe);
    }
  }

  /**
   * Removes the subject's counters, and with them every hold and slot reserved before: settling
   * such a reservation later leaves the subject's new counters alone (see {@link #undo}). All of
   * a subject's counters share its stripe, so the reset is one step for every call on them.
   */
  @Override
  public void reset(String subject) {
    // Walked before locking, so the stripe is not held for a walk of every counter; one made in
    // between is older than the reset and stays, consistent with the reservations holding it.
    List<CounterKey> keys = counters.keys();
    int stripe = StripeLocks.stripe(subject); // a subject's own stripe: its counters' stripe
    locks.lock(stripe);
    try {
      counters.countReset(subject, clock.millis());
      for (CounterKey key : keys) {
        if (key.subject().equals(subject)) {
          counters.removeIf(key, counter -> true);
        }
      }
    } finally {
      locks.unlock(stripe);
    }
  }

  /**
   * Drops what no longer matters: counters back at rest (empty windows, full buckets, budgets of
   * periods that ended over an hour ago, free slots), idempotency records and settlement records older than a day. A
   * long-running process calls this now and then; nothing observable changes.
   */
  public void sweep() {
    long now = clock.millis();
    releaseExpired(now);
    forgetOld(idempotentOrder, idempotent, now);
    // Only a held reservation can give back, and none is held longer than the longest time to live.
    counters.forgetResetsBefore(now - QuotaRequest.MAX_TTL.toMillis() - SETTLED_TTL_MS);
    for (CounterKey key : counters.keys()) {
      removeIf(key, counter -> atRest(counter, now));
    }
    for (CounterKey key : counters.carried().keys()) {
      int stripe = StripeLocks.stripe(key);
      locks.lock(stripe);
      try {
        counters.carried().forgetDropped(key, now);
      } finally {
        locks.unlock(stripe);
      }
    }
  }

  private void removeIf(CounterKey key, Predicate<Object> test) {
    int stripe = StripeLocks.stripe(key);
    locks.lock(stripe);
    try {
      counters.removeIf(key, test);
    } finally {
      locks.unlock(stripe);
    }
  }

  /** Drops the records whose time has come, oldest first; stops at the first that must stay. */
  private static void forgetOld(Queue<Aging> order, Map<String, Remembered> records, long now) {
    for (Aging a = order.peek(); a != null && a.forgetAtMs <= now; a = order.peek()) {
      if (order.remove(a)) {
        forget(a, records);
      }
    }
  }

  /** Drops the oldest records while more than {@code max} are kept. */
  private static void forgetOldest(Queue<Aging> order, Map<String, Remembered> records, int max) {
    while (records.size() > max) {
      Aging a = order.poll();
      if (a == null) {
        return;
      }
      forget(a, records);
    }
  }

  /**
   * Removes the record {@code a} stands for. A key reused after that record went has a newer one,
   * which outlives {@code a} and stays.
   */
  private static void forget(Aging a, Map<String, Remembered> records) {
    Remembered current = records.get(a.key);
    if (current != null && current.expiresAtMs <= a.forgetAtMs) {
      records.remove(a.key, current);
    }
  }

  private static boolean atRest(Object counter, long now) {
    if (counter instanceof SlidingWindow w) {
      w.advance(now);
      return w.isEmpty();
    }
    if (counter instanceof TokenBucket b) {
      b.advance(now);
      return b.isFull();
    }
    if (counter instanceof CounterTable.Budget b) {
      return b.endMs + BUDGET_KEPT_MS <= now;
    }
    return counter instanceof CounterTable.Slots s && s.inFlight == 0;
  }

  /** Number of counters held, for tests and memory benchmarks. */
  public int counterCount() {
    return counters.size();
  }

  /** Reservations held now, for tests and memory benchmarks. */
  public int heldCount() {
    return held.size();
  }

  /** Distinct shapes the held reservations share, for tests. */
  int heldShapeCount() {
    return held.shapeCount();
  }

  /**
   * The stripe sets of one stripe each, shared (lock sets are only ever read): a plan over one
   * subject, the usual case, allocates none.
   */
  private static final int[][] ONE_STRIPE = new int[StripeLocks.STRIPES][];

  static {
    for (int i = 0; i < ONE_STRIPE.length; i++) {
      ONE_STRIPE[i] = new int[] {i};
    }
  }

  static int[] stripesOf(List<CounterOp> ops, String idempotencyKey) {
    if (!ops.isEmpty()) {
      int first = StripeLocks.stripe(ops.get(0).key());
      boolean one = idempotencyKey == null || StripeLocks.stripe(idempotencyKey) == first;
      for (int i = 1; one && i < ops.size(); i++) {
        one = StripeLocks.stripe(ops.get(i).key()) == first;
      }
      if (one) {
        return ONE_STRIPE[first];
      }
    }
    Object[] keys = new Object[ops.size() + (idempotencyKey == null ? 0 : 1)];
    for (int i = 0; i < ops.size(); i++) {
      keys[i] = ops.get(i).key();
    }
    if (idempotencyKey != null) {
      keys[keys.length - 1] = idempotencyKey;
    }
    return StripeLocks.stripesOf(keys);
  }
}
