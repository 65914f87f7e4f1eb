package dev.quota.redis;

import dev.quota.StoreUnavailableException;
import dev.quota.ValidationException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterOp;
import dev.quota.plan.OpResult;
import dev.quota.plan.OpResults;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.plan.StaleBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Applies plans on Redis Cluster, where one script can only touch keys of one hash slot.
 *
 * <p><b>Groups.</b> A plan's ops are grouped by the slot of their counter (a subject's counters
 * share a slot through their hash tag). Each slot keeps its own epoch marker and its own expiry
 * index ({@link RedisKeys#epoch(int)}, {@link RedisKeys#expiries(int)}), so every check a group
 * needs (budget period, lost data, expired reservations) runs inside that group's script.
 *
 * <p><b>One slot.</b> A check or record whose counters share one slot, without an idempotency key,
 * is one script, exactly as on a single node.
 *
 * <p><b>Reserve, then compensate.</b> Otherwise the groups are applied one after another in
 * ascending slot order, each by one script that tests all of its ops and consumes only if all of
 * them allow. Consumption by an earlier group is real: concurrent decisions see it and may be
 * denied by it, so no limit is ever exceeded, even for the moment between two groups. A
 * reservation's group files a part record ({@link RedisKeys#reservation(int, String)}) carrying the
 * reservation's one expiry (the first group's clock plus the ttl), indexed in its slot's expiry
 * set. If a later group denies, or fails, each applied group is compensated by a script that takes
 * back exactly what that group took (the sliding-window slice it charged, bucket tokens, budget
 * nanos, a concurrency slot) and turns its part record into a tombstone. Compensation is keyed by
 * the reservation id: a repeated compensation finds the tombstone and changes nothing, and a
 * group call that arrives after its compensation (a timed-out call Redis ran late) finds the
 * tombstone and refuses to apply. A group whose call failed is compensated too: it may have applied
 * although its reply was lost, and the caller is told that nothing changed. Groups after a denying one are then only checked, so the
 * denial reports every op. Finally the home record, found by the reservation id alone
 * ({@link RedisKeys#reservation(String)}), names the slots of the parts; settling claims it first
 * (keeping the terms) and then settles each part with those terms, each part exactly once. The
 * claim alone decides whether the reservation had expired: a part whose call runs after the expiry
 * still settles on the claimed terms, rather than return its holds as expired and charge nothing
 * for a commit the claim accepted. If another decision on the part's node released the part as
 * expired in between, its hold and slot went back then, and the part's settlement charges the
 * actual cost on its own (an expired part keeps its ops for this).
 *
 * <p><b>If this process dies between steps.</b> Parts already applied stay as holds until the
 * reservation's expiry, when their slots release them like any expired reservation (no home record
 * was written, so nobody could settle them). A settlement interrupted after its claim is finished
 * by any retry, with the first terms; parts never settled expire. A record plan (usage that already
 * happened) is not compensated: if a later group fails, the earlier slots keep the usage they
 * counted and the call fails.
 *
 * <p><b>Idempotency keys</b> live in their own slot: the key is claimed first (a concurrent repeat
 * waits, up to the store's timeout, until the first files its answer, which it then gets, or drops
 * its claim), and the answer is filed after the last group. A decision whose groups applied is answered as applied even if filing its answer fails: the claim
 * then lapses after {@link #CLAIM_MS}, and a repeat after that is decided afresh (recorded usage is
 * answered from its ledger row by the engine).
 *
 * <p><b>Deadlines.</b> Each step that could change something on its own (a key's claim, a group, the
 * home record, a settlement's claim and its parts) carries the moment this process stops waiting for
 * it, in the clock of the node that runs it: a node that stalls and runs the step only after the
 * process gave up on it changes nothing, and the process compensates the groups applied before, as
 * for any failed step. The steps that take back or finish what already applied (compensation, filing
 * a key's answer) carry none: they must apply whenever they run.
 */
final class ClusterProtocol {
  private static final long SLACK_MS = 3_600_000L;
  private static final long CLAIM_MS = 30_000L;
  private static final long MAX_BUSY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final RedisKeys keys;
  private final ClusterCodec codec;
  private final ScriptCodec settleCodec;
  private final Calls redis;
  private final LongSupplier offsetMs;
  /** How long a call waits for a concurrent repeat holding its idempotency key: the store's timeout. */
  private final long busyWaitNanos;

  /** How the protocol reaches Redis: one call at a time, each waited for (at most the timeout). */
  interface Calls {
    /** Runs {@code call} as it is: one that must apply however late it runs. */
    List<Object> run(ScriptCodec.Call call);

    /**
     * Runs {@code call} with a deadline: throws StoreUnavailableException if the node started it
     * after this process stopped waiting (then it changed nothing).
     */
    List<Object> runInTime(ScriptCodec.Call call, long offsetMs);
  }

  ClusterProtocol(RedisKeys keys, Calls redis, LongSupplier offsetMs, long busyWaitNanos) {
    this.busyWaitNanos = busyWaitNanos;
    this.keys = keys;
    this.codec = new ClusterCodec(keys);
    this.settleCodec = new ScriptCodec(keys);
    this.redis = redis;
    this.offsetMs = offsetMs;
  }

  /** Ops of one slot, with their positions in the plan. */
  private record Group(int slot, List<CounterOp> ops, int[] at) {}

  PlanResult apply(Plan plan) {
    boolean reserve = plan.kind() == Plan.Kind.RESERVE;
    ValidationException.require(!reserve || plan.reservationId() != null, "reservationId", "is required to reserve");
    List<Group> groups = groups(plan);
    long offset = offsetMs.getAsLong();
    if (plan.idempotencyKey() == null) {
      return applyGroups(plan, groups, offset);
    }
    List<Object> claim = claim(plan, offset);
    int status = (int) ScriptCodec.num(claim.get(0));
    if (status != ScriptCodec.CLAIMED) {
      return ScriptCodec.planResult(claim);
    }
    PlanResult result;
    try {
      result = applyGroups(plan, groups, offset);
    } catch (RuntimeException e) {
      try {
        redis.run(codec.idemFinish(plan.idempotencyKey(), plan.fingerprint(), "", offset));
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup); // the claim expires by itself
      }
      throw e;
    }
    // Only an admission is filed under its key (as on one slot): a denial drops the claim, and so
    // does a check, which only looks the key up.
    String words =
        result.status() == PlanResult.Status.APPLIED && result.admitted() && plan.kind() != Plan.Kind.CHECK
            ? words(result, plan)
            : "";
    try {
      redis.run(codec.idemFinish(plan.idempotencyKey(), plan.fingerprint(), words, offset));
    } catch (RuntimeException unfiled) {
      // The groups applied whatever becomes of the answer's filing: failing the call now would tell
      // the caller that nothing changed, and its retry would count usage twice. The claim lapses by
      // itself (a repeat is answered as busy until then); the engine's ledger row of recorded usage
      // answers repeats after that.
    }
    return result;
  }

  /**
   * Claims the plan's idempotency key, waiting while another call holds it (a concurrent repeat, on
   * this process or another) until that call files its answer, which is then this one's, or drops
   * its claim, when this one applies itself. Answering a repeat "unavailable" instead would have an
   * engine fail open under a fail-open policy and charge recorded usage a second time, as owed.
   * Gives up, unavailable, only if the claim is still held after the store's timeout.
   */
  private List<Object> claim(Plan plan, long offset) {
    long giveUp = System.nanoTime() + busyWaitNanos;
    long pauseNanos = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      List<Object> claim =
          redis.runInTime(codec.idemClaim(plan.idempotencyKey(), plan.fingerprint(), CLAIM_MS, offset), offset);
      if (ScriptCodec.num(claim.get(0)) != ScriptCodec.BUSY) {
        return claim;
      }
      if (System.nanoTime() + pauseNanos > giveUp || Thread.currentThread().isInterrupted()) {
        throw new StoreUnavailableException(
            "a request with idempotency key " + plan.idempotencyKey() + " is still being applied", null);
      }
      LockSupport.parkNanos(pauseNanos);
      pauseNanos = Math.min(2 * pauseNanos, MAX_BUSY_PAUSE_NANOS);
    }
  }

  private PlanResult applyGroups(Plan plan, List<Group> groups, long offset) {
    boolean reserve = plan.kind() == Plan.Kind.RESERVE;
    long held = 0;
    for (CounterOp op : plan.ops()) {
      if (op instanceof BudgetOp b) {
        held = Math.max(held, b.amountNanos());
      }
    }
    OpResult[] results = new OpResult[plan.ops().size()];
    List<Group> applied = new ArrayList<>(groups.size());
    long now = 0;
    long expiresAt = 0;
    int denied = -1;
    boolean admitted = true;
    if (plan.kind() == Plan.Kind.RECORD) {
      PlanResult refused = laterBudgetsRefusing(plan, groups, held, offset);
      if (refused != null) {
        return refused;
      }
    }
    // A reserving group whose call is under way: if the call fails, it may still have applied (its
    // reply lost), so it is compensated with the groups before it; a group that never ran only gets
    // the tombstone that refuses it should it run late.
    Group inFlight = null;
    try {
      for (int g = 0; g < groups.size(); g++) {
        Group group = groups.get(g);
        Plan.Kind kind = denied >= 0 ? Plan.Kind.CHECK : plan.kind();
        inFlight = kind == Plan.Kind.RESERVE ? group : null;
        List<Object> raw =
            redis.runInTime(codec.group(group.slot, withKind(plan, kind), group.ops, expiresAt, held, offset), offset);
        inFlight = null;
        if (ScriptCodec.num(raw.get(0)) == ScriptCodec.ABORTED) {
          throw new IllegalStateException(
              "reservation " + plan.reservationId() + " was withdrawn before; reservation ids must not be reused");
        }
        PlanResult r = ScriptCodec.planResult(raw);
        if (r.status() != PlanResult.Status.APPLIED) {
          compensate(plan, applied, offset);
          return notApplied(r, group, g == 0 ? r.nowMs() : now);
        }
        if (g == 0) {
          now = r.nowMs();
        }
        admitted &= r.admitted();
        for (int i = 0; i < group.at.length; i++) {
          results[group.at[i]] = r.results().get(i);
        }
        if (kind == Plan.Kind.RESERVE) {
          if (r.admitted()) {
            applied.add(group);
            expiresAt = r.expiresAtMs();
          } else {
            denied = g;
          }
        }
      }
      if (denied >= 0) {
        for (Group group : applied) {
          withdraw(group, results);
        }
        compensate(plan, applied, offset);
        return new PlanResult(PlanResult.Status.APPLIED, false, OpResults.of(results), now, 0, List.of());
      }
      if (reserve) {
        long keep = Math.max(plan.ttlMs(), lastBudgetEnd(plan) - now) + SLACK_MS;
        List<Integer> slots = groups.stream().map(Group::slot).toList();
        redis.runInTime(codec.home(plan, expiresAt, held, keep, slots, offset), offset);
      }
    } catch (RuntimeException e) {
      try {
        compensate(plan, applied, offset);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup); // the parts expire with the reservation
      }
      if (inFlight != null) { // last: its node is the one that just failed, and may fail again
        try {
          compensate(plan, new ArrayList<>(List.of(inFlight)), offset);
        } catch (RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
    boolean filed = reserve && admitted;
    return new PlanResult(PlanResult.Status.APPLIED, admitted, OpResults.of(results), now, filed ? expiresAt : 0,
        List.of(), filed ? plan.reservationId() : null);
  }

  /**
   * Recorded usage keeps no record to take its parts back by, so a group after the first that
   * would answer anything but APPLIED (a budget to seed or catch up first, a period the node's
   * clock left) must answer before any group applies: otherwise the retry after the seed counts
   * the earlier groups again. Each later group with a budget is asked as a check first, which
   * changes nothing; null when all would apply.
   */
  private PlanResult laterBudgetsRefusing(Plan plan, List<Group> groups, long held, long offset) {
    Plan check = withKind(plan, Plan.Kind.CHECK);
    for (int g = 1; g < groups.size(); g++) {
      Group group = groups.get(g);
      if (group.ops.stream().noneMatch(op -> op instanceof BudgetOp)) {
        continue;
      }
      PlanResult r = ScriptCodec.planResult(redis.runInTime(codec.group(group.slot, check, group.ops, 0, held, offset), offset));
      if (r.status() != PlanResult.Status.APPLIED) {
        return notApplied(r, group, r.nowMs());
      }
    }
    return null;
  }

  /**
   * A group's answer that applied nothing, as the whole plan's: its budget indices named in the
   * plan. Missing counters are reported in the time of the node that holds them (and their
   * subjects' reset marks), which their seed compares those marks with.
   */
  private static PlanResult notApplied(PlanResult r, Group group, long planNowMs) {
    List<Integer> seeds = new ArrayList<>(r.seedIndices().size());
    for (int i : r.seedIndices()) {
      seeds.add(group.at[i]);
    }
    List<StaleBudget> stale = new ArrayList<>(r.staleBudgets().size());
    for (StaleBudget s : r.staleBudgets()) {
      stale.add(new StaleBudget(group.at[s.index()], s.touchedMs()));
    }
    long at = r.status() == PlanResult.Status.NEEDS_SEED ? r.nowMs() : planNowMs;
    return new PlanResult(r.status(), false, OpResults.EMPTY, at, 0, seeds, null, stale);
  }

  /** Takes back, in reverse order, what each applied group took; safe to repeat. */
  private void compensate(Plan plan, List<Group> applied, long offset) {
    for (int i = applied.size() - 1; i >= 0; i--) {
      redis.run(codec.compensate(applied.get(i).slot, plan.reservationId(), plan.ttlMs() + SLACK_MS, offset));
    }
    applied.clear();
  }

  /** Reports a compensated group's counters as they are after compensation. */
  private static void withdraw(Group group, OpResult[] results) {
    for (int i = 0; i < group.at.length; i++) {
      CounterOp op = group.ops.get(i);
      OpResult r = results[group.at[i]];
      long amount = op instanceof RateOp rate ? rate.amount() : op instanceof BudgetOp b ? b.amountNanos() : 1;
      results[group.at[i]] = new OpResult(r.allowed(), Math.max(0, r.used() - amount), r.resetAtMs(), r.retryAtMs(), 0);
    }
  }

  SettleResult settle(Settlement s) {
    long offset = offsetMs.getAsLong();
    List<Object> r = redis.runInTime(
        codec.claim(s.reservationId(), s.commit(), s.actualCostNanos(), s.fingerprint(), s.actualMeters(), offset), offset);
    int status = (int) ScriptCodec.num(r.get(0));
    long now = ScriptCodec.num(r.get(2));
    if (status == 3) {
      return SettleResult.of(SettleResult.Status.UNKNOWN, now);
    }
    if (status == 4) {
      return SettleResult.of(SettleResult.Status.EXPIRED, now);
    }
    long held = ScriptCodec.num(r.get(1));
    String payload = ScriptCodec.num(r.get(3)) == 1 ? (String) r.get(4) : null;
    // the terms of the first settlement, so a retry finishes its parts exactly as it would have
    Settlement terms = new Settlement(s.reservationId(), "1".equals(r.get(6)), Long.parseLong((String) r.get(7)),
        ClusterCodec.meters((String) r.get(9)));
    List<SettleResult.BudgetChange> changes = new ArrayList<>();
    long reservedAt = 0;
    for (String slot : ((String) r.get(5)).split(",")) {
      SettleResult part =
          ScriptCodec.settleResult(redis.runInTime(settleCodec.settle(Integer.parseInt(slot), terms, offset), offset));
      changes.addAll(part.budgets());
      reservedAt = earliest(reservedAt, part.reservedAtMs());
    }
    SettleResult.Status[] statuses = {SettleResult.Status.SETTLED, SettleResult.Status.REPEATED, SettleResult.Status.CONFLICT};
    return new SettleResult(statuses[status], payload, held, now, changes, reservedAt);
  }

  /**
   * The earlier of two times a part says its reservation was made (0: it cannot tell). The parts
   * were made one after another, each on its own node's clock; the first one made is the
   * reservation's time.
   */
  private static long earliest(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  private List<Group> groups(Plan plan) {
    Map<Integer, List<Integer>> bySlot = new TreeMap<>();
    List<CounterOp> ops = plan.ops();
    for (int i = 0; i < ops.size(); i++) {
      bySlot.computeIfAbsent(RedisKeys.slot(keys.counter(ops.get(i))), k -> new ArrayList<>()).add(i);
    }
    List<Group> groups = new ArrayList<>(bySlot.size());
    bySlot.forEach((slot, at) -> groups.add(new Group(slot, at.stream().map(ops::get).toList(),
        at.stream().mapToInt(Integer::intValue).toArray())));
    if (groups.isEmpty()) {
      groups.add(new Group(0, List.of(), new int[0]));
    }
    return groups;
  }

  private static Plan withKind(Plan p, Plan.Kind kind) {
    return kind == p.kind() ? p
        : new Plan(kind, p.ops(), p.reservationId(), p.ttlMs(), p.idempotencyKey(), p.fingerprint(), p.payload(), p.seedBudgets());
  }

  private static long lastBudgetEnd(Plan plan) {
    long end = 0;
    for (CounterOp op : plan.ops()) {
      if (op instanceof BudgetOp b) {
        end = Math.max(end, b.periodEndMs());
      }
    }
    return end;
  }

  /** The reply of an applied plan as the script files it for replays. */
  /** The answer a repeat gets, in the script's reply format, ending with the filed reservation id. */
  private static String words(PlanResult r, Plan plan) {
    StringBuilder sb = new StringBuilder(64);
    sb.append(0).append(' ').append(r.admitted() ? 1 : 0).append(' ').append(r.nowMs()).append(' ')
        .append(r.expiresAtMs()).append(' ').append(r.results().size());
    for (OpResult o : r.results()) {
      sb.append(' ').append(o.allowed() ? 1 : 0).append(' ').append(o.used()).append(' ').append(o.resetAtMs())
          .append(' ').append(o.retryAtMs()).append(' ').append(o.firedThresholds());
    }
    sb.append(" 0");
    if (r.admitted() && plan.kind() == Plan.Kind.RESERVE) {
      sb.append(' ').append(plan.reservationId());
    }
    return sb.toString();
  }

}
