package dev.quota.redis;

import dev.quota.Algorithm;
import dev.quota.ValidationException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns plans and settlements into the script's KEYS and ARGV, and its replies back into results.
 * The layouts are documented at each call in {@code quota.lua}. Every number is range-checked here
 * ({@link ExactRange}) before anything is sent.
 */
final class ScriptCodec {
  private static final PlanResult.Status[] PLAN_STATUS = {
    PlanResult.Status.APPLIED, PlanResult.Status.REPLAYED, PlanResult.Status.CONFLICT,
    PlanResult.Status.PERIOD_MISMATCH, PlanResult.Status.NEEDS_SEED
  };
  /** Script statuses beyond {@link PlanResult.Status}, used between the steps on Redis Cluster. */
  static final int ABORTED = 5;
  static final int BUSY = 6;
  static final int CLAIMED = 7;
  private static final SettleResult.Status[] SETTLE_STATUS = {
    SettleResult.Status.SETTLED, SettleResult.Status.REPEATED, SettleResult.Status.CONFLICT,
    SettleResult.Status.UNKNOWN, SettleResult.Status.EXPIRED
  };

  private final RedisKeys keys;

  ScriptCodec(RedisKeys keys) {
    this.keys = keys;
  }

  record Call(String[] keys, String[] args) {}

  Call apply(Plan plan, long offsetMs) {
    List<String> k = new ArrayList<>(4 + plan.ops().size());
    k.add(keys.epoch());
    k.add(keys.expiries());
    boolean idempotent = plan.idempotencyKey() != null;
    k.add(idempotent ? keys.idempotency(plan.idempotencyKey()) : keys.epoch());
    boolean reserve = plan.kind() == Plan.Kind.RESERVE;
    ValidationException.require(!reserve || plan.reservationId() != null, "reservationId", "is required to reserve");
    k.add(reserve ? keys.reservation(plan.reservationId()) : keys.epoch());
    List<String> a = new ArrayList<>(16 + plan.ops().size() * 9);
    a.add("apply");
    a.add(Long.toString(offsetMs));
    a.add(plan.kind().name().toLowerCase(java.util.Locale.ROOT));
    a.add(Long.toString(reserve ? ExactRange.check("ttlMs", plan.ttlMs()) : 0));
    a.add(plan.fingerprint() == null ? "" : plan.fingerprint());
    int recordAt = a.size();
    a.add(""); // the reservation record's body, filled in below
    a.add("");
    a.add(plan.seedBudgets() ? "1" : "0");
    a.add(idempotent ? "1" : "0");
    a.add(Integer.toString(plan.ops().size()));
    List<List<String>> opFields = new ArrayList<>(plan.ops().size());
    for (CounterOp op : plan.ops()) {
      k.add(keys.counter(op));
      List<String> f = fields(op);
      opFields.add(f);
      a.add(Integer.toString(f.size()));
      a.addAll(f);
    }
    a.add(reserve ? plan.reservationId() : "");
    if (reserve) {
      a.set(recordAt, ReservationRecord.body(
          k.subList(4, k.size()), opFields, ReservationRecord.held(plan.ops()), plan.payload()));
    }
    return new Call(k.toArray(String[]::new), a.toArray(String[]::new));
  }

  static List<String> fields(CounterOp op) {
    List<String> f = new ArrayList<>(12);
    String enforced = op.enforced() ? "1" : "0";
    if (op instanceof RateOp r) {
      long windowMs = r.limit().window().toMillis();
      boolean window = r.limit().algorithm() == Algorithm.SLIDING_WINDOW;
      long amount = ExactRange.check("amount", r.amount());
      if (!window) {
        ExactRange.check("amount x window in ms (token bucket)", Math.multiplyHigh(amount, windowMs) == 0
            ? amount * windowMs : Long.MAX_VALUE);
      }
      f.addAll(List.of("R", enforced, window ? "w" : "b", Long.toString(r.limit().limit()),
          Long.toString(windowMs), Long.toString(amount), r.limit().meter()));
    } else if (op instanceof BudgetOp b) {
      f.addAll(List.of("B", enforced, Long.toString(ExactRange.check("limitNanos", b.limitNanos())),
          Long.toString(ExactRange.check("amountNanos", b.amountNanos())),
          Long.toString(ExactRange.check("periodStartMs", b.periodStartMs())),
          Long.toString(ExactRange.check("periodEndMs", b.periodEndMs())),
          text("label", b.label()), text("key.subject", b.key().subject()), text("key.name", b.key().name())));
      ValidationException.require(b.thresholdNanos().length <= 31, "thresholdNanos", "must have at most 31 levels");
      for (long t : b.thresholdNanos()) {
        f.add(Long.toString(ExactRange.check("thresholdNanos", t)));
      }
    } else {
      ConcurrencyOp c = (ConcurrencyOp) op;
      ValidationException.require(c.max() >= 0, "max", "must not be negative");
      f.addAll(List.of("C", enforced, Integer.toString(c.max())));
    }
    return f;
  }

  /** Reservation records separate fields with NUL, so text filed with one must not contain it. */
  private static String text(String field, String value) {
    String v = value == null ? "" : value;
    ValidationException.require(v.indexOf('\0') < 0, field, "must not contain NUL characters");
    return v;
  }

  Call settle(Settlement s, long offsetMs) {
    return settle(new String[] {keys.epoch(), keys.expiries(), keys.reservation(s.reservationId())}, s, offsetMs);
  }

  /** Settles the part of a reservation filed in one Redis Cluster slot. */
  Call settle(int slot, Settlement s, long offsetMs) {
    return settle(new String[] {keys.epoch(slot), keys.expiries(slot), keys.reservation(slot, s.reservationId())}, s, offsetMs);
  }

  private static Call settle(String[] k, Settlement s, long offsetMs) {
    Map<String, Long> meters = new TreeMap<>(s.actualMeters());
    List<String> a = new ArrayList<>(6 + 2 * meters.size());
    a.add("settle");
    a.add(Long.toString(offsetMs));
    a.add(s.commit() ? "1" : "0");
    a.add(Long.toString(ExactRange.check("actualCostNanos", s.actualCostNanos())));
    a.add(s.fingerprint());
    a.add(Integer.toString(meters.size()));
    for (Map.Entry<String, Long> m : meters.entrySet()) {
      a.add(m.getKey());
      a.add(Long.toString(ExactRange.check("actualMeters." + m.getKey(), m.getValue())));
    }
    return new Call(k, a.toArray(String[]::new));
  }

  Call seed(CounterKey key, long nanos, long periodEndMs, long offsetMs) {
    return new Call(
        new String[] {keys.counter(key)},
        new String[] {"seed", Long.toString(offsetMs), Long.toString(ExactRange.check("nanos", nanos)),
          Long.toString(ExactRange.check("periodEndMs", periodEndMs))});
  }

  Call now(long offsetMs) {
    return new Call(new String[] {keys.epoch()}, new String[] {"now", Long.toString(offsetMs)});
  }

  static PlanResult planResult(List<Object> r) {
    PlanResult.Status status = PLAN_STATUS[(int) num(r.get(0))];
    boolean admitted = num(r.get(1)) == 1;
    long now = num(r.get(2));
    long expiresAt = num(r.get(3));
    int n = (int) num(r.get(4));
    List<OpResult> results = new ArrayList<>(n);
    int at = 5;
    for (int i = 0; i < n; i++, at += 5) {
      results.add(new OpResult(num(r.get(at)) == 1, num(r.get(at + 1)), num(r.get(at + 2)),
          num(r.get(at + 3)), (int) num(r.get(at + 4))));
    }
    int m = (int) num(r.get(at++));
    List<Integer> seeds = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      seeds.add((int) num(r.get(at++)));
    }
    // A replayed reservation carries the id the first request filed.
    String reservationId = r.size() > at ? r.get(at).toString() : null;
    return new PlanResult(status, admitted, results, now, expiresAt, seeds, reservationId);
  }

  static SettleResult settleResult(List<Object> r) {
    SettleResult.Status status = SETTLE_STATUS[(int) num(r.get(0))];
    long held = num(r.get(1));
    long now = num(r.get(2));
    String payload = num(r.get(3)) == 1 ? (String) r.get(4) : null;
    int n = (int) num(r.get(5));
    List<SettleResult.BudgetChange> changes = new ArrayList<>(n);
    for (int i = 0, at = 6; i < n; i++, at += 6) {
      changes.add(new SettleResult.BudgetChange((String) r.get(at),
          new CounterKey((String) r.get(at + 1), (String) r.get(at + 2)), num(r.get(at + 3)),
          num(r.get(at + 4)), (int) num(r.get(at + 5))));
    }
    return new SettleResult(status, payload, held, now, changes);
  }

  static long num(Object o) {
    return o instanceof Long l ? l : Long.parseLong(o.toString());
  }
}
