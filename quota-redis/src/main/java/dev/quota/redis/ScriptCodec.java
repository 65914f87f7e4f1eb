package dev.quota.redis;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.ValidationException;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.ConcurrencyOp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Holding;
import dev.quota.plan.OpResults;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.plan.Predecessor;
import dev.quota.plan.RateOp;
import dev.quota.plan.SettleResult;
import dev.quota.plan.Settlement;
import dev.quota.plan.StaleBudget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

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
  /** The script's status of a replayed plan ({@code PLAN_STATUS[1]}). */
  private static final int REPLAYED = 1;
  /** Script statuses beyond {@link PlanResult.Status}, used between the steps on Redis Cluster. */
  static final int ABORTED = 5;
  static final int BUSY = 6;
  static final int CLAIMED = 7;
  /**
   * The script's answer to a call that started after its deadline: it changed nothing, and its
   * caller has stopped waiting ({@link RedisClockEstimate}).
   */
  static final int TOO_LATE = 8;
  private static final SettleResult.Status[] SETTLE_STATUS = {
    SettleResult.Status.SETTLED, SettleResult.Status.REPEATED, SettleResult.Status.CONFLICT,
    SettleResult.Status.UNKNOWN, SettleResult.Status.EXPIRED
  };

  /** Each plan kind as the script names it. */
  private static final String[] KIND = Arrays.stream(Plan.Kind.values())
      .map(k -> k.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

  private final RedisKeys keys;

  ScriptCodec(RedisKeys keys) {
    this.keys = keys;
  }

  record Call(String[] keys, String[] args) {
    /**
     * Sets the deadline of a call that changes counters or reservations, in the store's time (0:
     * none): the script changes nothing if it starts after it. Set just before the call is sent.
     * The calls that undo or finish what already applied ({@code compensate}, {@code idem_finish})
     * have none: they must apply however late they run.
     */
    void deadline(long deadlineMs) {
      args[deadlineAt(args)] = deadlineMs == 0 ? "0" : Long.toString(deadlineMs);
    }

    /**
     * How this call goes in a batch after {@code whole}, the last call sent whole before it (as
     * the script's {@code batch} describes): a {@link Form#REPEAT} if it is an {@code apply} call
     * for the plan {@code whole} applies (the same keys but the reservation record's, the same
     * arguments but the deadline and the reservation id); a {@link Form#LIKE} if it differs from
     * that only in its counters' keys and its record body too (the same limits for other
     * subjects); else {@link Form#WHOLE}. Most arguments are the same instances (a request's call
     * template, the codec's cached op fields), so this compares little more than references.
     */
    Form formAfter(Call whole) {
      String[] a = args;
      String[] w = whole.args;
      if (a.length != w.length || keys.length != whole.keys.length || keys.length <= APPLY_RECORD_KEY
          || a.length <= APPLY_DEADLINE + 1 || !APPLY.equals(a[0]) || !APPLY.equals(w[0])) {
        return Form.WHOLE;
      }
      for (int i = 0; i < APPLY_RECORD_KEY; i++) {
        if (!keys[i].equals(whole.keys[i])) {
          return Form.WHOLE;
        }
      }
      int last = a.length - 1;
      for (int i = 1; i < last; i++) {
        if (i != APPLY_DEADLINE && i != APPLY_RECORD_BODY && !a[i].equals(w[i])) {
          return Form.WHOLE;
        }
      }
      for (int i = APPLY_RECORD_KEY + 1; i < keys.length; i++) {
        if (!keys[i].equals(whole.keys[i])) {
          return Form.LIKE;
        }
      }
      return a[APPLY_RECORD_BODY].equals(w[APPLY_RECORD_BODY]) ? Form.REPEAT : Form.LIKE;
    }

    /** How many keys this call sends in {@code form}. */
    int sentKeys(Form form) {
      return switch (form) {
        case WHOLE -> keys.length;
        case REPEAT -> 1;
        case LIKE -> keys.length - APPLY_RECORD_KEY;
      };
    }

    /**
     * Key {@code i} as sent in {@code form}: a repeat sends its reservation record's (the epoch's
     * for a check), a like that and then its counters'.
     */
    String sentKey(Form form, int i) {
      return form == Form.WHOLE ? keys[i] : keys[APPLY_RECORD_KEY + i];
    }

    /** How many arguments this call sends in {@code form}. */
    int sentArgs(Form form) {
      return switch (form) {
        case WHOLE -> args.length;
        case REPEAT -> 2;
        case LIKE -> 3;
      };
    }

    /**
     * Argument {@code i} as sent in {@code form}: a repeat sends its deadline, then its reservation
     * id ('' for a check); a like those and then its record body.
     */
    String sentArg(Form form, int i) {
      if (form == Form.WHOLE) {
        return args[i];
      }
      return switch (i) {
        case 0 -> args[APPLY_DEADLINE];
        case 1 -> args[args.length - 1];
        default -> args[APPLY_RECORD_BODY];
      };
    }

    private static int deadlineAt(String[] args) {
      return switch (args[0]) {
        case APPLY -> APPLY_DEADLINE;
        case "group" -> ClusterCodec.GROUP_DEADLINE;
        case SETTLE, "seed", "catch_up", "reset", "home", "claim", "idem_claim" -> args.length - 1;
        default -> throw new IllegalArgumentException("a " + args[0] + " call carries no deadline");
      };
    }
  }

  private static final String APPLY = "apply";
  private static final String SETTLE = "settle";
  /** Where an {@code apply} call carries its deadline. */
  private static final int APPLY_DEADLINE = 6;
  /** Where an {@code apply} call names its reservation record (the epoch when it reserves nothing). */
  private static final int APPLY_RECORD_KEY = 3;
  /** Where an {@code apply} call carries the body of the reservation record it files. */
  private static final int APPLY_RECORD_BODY = 5;

  /** How a call goes in a batch ({@link Call#formAfter}). */
  enum Form { WHOLE, REPEAT, LIKE }

  /** True if a reply's status says the call started after its deadline and changed nothing. */
  static boolean tooLate(List<Object> reply) {
    return num(reply.get(0)) == TOO_LATE;
  }

  /**
   * The store's time when Redis made {@code reply}, the reply to {@code call} (every call with a
   * deadline answers it third), or -1 when the reply is a replayed plan's first answer, whose time
   * is that answer's ({@code apply} and {@code idem_claim} answering REPLAYED).
   */
  static long replyTime(Call call, List<Object> reply) {
    String name = call.args()[0];
    boolean plan = APPLY.equals(name) || "idem_claim".equals(name);
    return plan && num(reply.get(0)) == REPLAYED ? -1 : num(reply.get(2));
  }

  Call apply(Plan plan, long offsetMs) {
    List<CounterOp> ops = plan.ops();
    int n = ops.size();
    String[] k = new String[4 + n];
    k[0] = keys.epoch();
    k[1] = keys.expiries();
    boolean idempotent = plan.idempotencyKey() != null;
    k[2] = idempotent ? keys.idempotency(plan.idempotencyKey()) : k[0];
    boolean reserve = plan.kind() == Plan.Kind.RESERVE;
    ValidationException.require(!reserve || plan.reservationId() != null, "reservationId", "is required to reserve");
    k[APPLY_RECORD_KEY] = reserve ? keys.reservation(plan.reservationId()) : k[0];
    CallTemplate template = template(ops);
    System.arraycopy(template.counterKeys(), 0, k, 4, n);
    OpFields[] opFields = template.fields();
    String[] a = new String[template.argc()];
    a[0] = APPLY;
    a[1] = decimal(offsetMs);
    a[2] = KIND[plan.kind().ordinal()];
    a[3] = reserve ? ttl(ExactRange.check("ttlMs", plan.ttlMs())) : "0";
    a[4] = plan.fingerprint() == null ? "" : plan.fingerprint();
    // a[APPLY_RECORD_BODY]: the reservation record's body
    a[APPLY_DEADLINE] = "0"; // none until set just before it is sent
    a[7] = seedBudgets(plan);
    a[8] = idempotent ? "1" : "0";
    a[9] = decimal(n);
    int at = 10;
    for (OpFields f : opFields) {
      a[at++] = f.count();
      System.arraycopy(f.fields(), 0, a, at, f.fields().length);
      at += f.fields().length;
    }
    a[at] = reserve ? plan.reservationId() : "";
    a[APPLY_RECORD_BODY] = reserve ? ReservationRecord.withPayload(template.recordHead(), plan.payload()) : "";
    return new Call(k, a);
  }

  /**
   * What a plan's ops alone decide of its call: their counter keys, script fields, the number of
   * arguments, and the reservation record up to the payload.
   */
  private record CallTemplate(List<CounterOp> ops, String[] counterKeys, OpFields[] fields, int argc, String recordHead) {}

  /**
   * Templates of the ops lists seen lately, by the identity of the list: the engine hands a request's remembered
   * ops list to every decision of that request, so a busy request finds its keys and record text
   * here instead of building them again. A slot holds one list; another list in the same slot
   * replaces it. Entries are immutable, so racing reads and writes of a slot are harmless.
   */
  private final CallTemplate[] templates = new CallTemplate[64];

  private CallTemplate template(List<CounterOp> ops) {
    int slot = System.identityHashCode(ops) & (templates.length - 1);
    CallTemplate known = templates[slot];
    if (known != null && known.ops() == ops) {
      return known;
    }
    int n = ops.size();
    String[] counterKeys = new String[n];
    OpFields[] opFields = new OpFields[n];
    int argc = 11;
    for (int i = 0; i < n; i++) {
      CounterOp op = ops.get(i);
      counterKeys[i] = keys.counter(op);
      opFields[i] = opFields(op);
      argc += 1 + opFields[i].fields().length;
    }
    CallTemplate p = new CallTemplate(ops, counterKeys, opFields, argc,
        ReservationRecord.body(counterKeys, 0, opFields, ReservationRecord.held(ops), null));
    templates[slot] = p;
    return p;
  }

  private static final String[] SMALL = IntStream.range(0, 64)
      .mapToObj(Integer::toString).toArray(String[]::new);

  /** Small numbers (op counts, a zero clock offset) come up in every call. */
  private static String decimal(long n) {
    return n >= 0 && n < SMALL.length ? SMALL[(int) n] : Long.toString(n);
  }

  /** The last reservation ttl sent, as text: callers mostly reserve with one ttl. */
  private volatile Ttl lastTtl = new Ttl(0, "0");

  private record Ttl(long ms, String text) {}

  private String ttl(long ms) {
    Ttl last = lastTtl;
    if (last.ms() != ms) {
      last = new Ttl(ms, Long.toString(ms));
      lastTtl = last;
    }
    return last.text();
  }

  /**
   * An op's script fields, their number as sent, and (as the reservation record files them) the
   * fields joined with NUL, preceded by that text's length.
   */
  record OpFields(String[] fields, String count, String sizedText) {
    static OpFields of(List<String> fields) {
      return new OpFields(fields.toArray(String[]::new), Integer.toString(fields.size()),
          ReservationRecord.sized(String.join("\0", fields)));
    }
  }

  /** Fields of rate ops by limit: the same few limits apply to every decision. */
  private final ConcurrentHashMap<RateLimit, RateFields> rateFields =
      new ConcurrentHashMap<>();

  private record RateFields(long amount, boolean enforced, OpFields fields) {}

  private OpFields opFields(CounterOp op) {
    // An op with predecessors comes only for a window after a change: not worth a place in the cache.
    if (!(op instanceof RateOp r) || !r.predecessors().isEmpty()) {
      return OpFields.of(fields(op));
    }
    RateFields cached = rateFields.get(r.limit());
    if (cached != null && cached.amount() == r.amount() && cached.enforced() == r.enforced()) {
      return cached.fields();
    }
    OpFields f = OpFields.of(fields(op));
    if (rateFields.size() >= 1024) { // limits no longer configured must not pile up
      rateFields.clear();
    }
    rateFields.put(r.limit(), new RateFields(r.amount(), r.enforced(), f));
    return f;
  }

  /**
   * The script's seedBudgets argument: "0" to seed nothing, otherwise the engine time before which
   * a budget period's missing counter is seeded whatever the epoch ({@link BudgetOp#seedBeforeMs},
   * the same for every op the engine compiles into one plan), at least 1.
   */
  static String seedBudgets(Plan plan) {
    if (!plan.seedBudgets()) {
      return "0";
    }
    long before = 1;
    for (CounterOp op : plan.ops()) {
      if (op instanceof BudgetOp b && b.seedBeforeMs() > before) {
        before = b.seedBeforeMs();
      }
    }
    return Long.toString(ExactRange.check("seedBeforeMs", before));
  }

  static List<String> fields(CounterOp op) {
    List<String> f = new ArrayList<>(12);
    String enforced = op.enforced() ? "1" : "0";
    if (op instanceof RateOp r) {
      long windowMs = r.limit().window().toMillis();
      boolean window = r.limit().algorithm() == Algorithm.SLIDING_WINDOW;
      // Any amount in range will do: the script saturates a window at 2^53-1 and a bucket's debt
      // at its deepest (TokenBucket.deepestDebt), so recorded usage is recorded whatever its meters.
      long amount = ExactRange.check("amount", r.amount());
      // A window with predecessors is sent as "W", which the script's quick path leaves alone.
      String algorithm = window ? (r.predecessors().isEmpty() ? "w" : "W") : "b";
      f.addAll(List.of("R", enforced, algorithm, Long.toString(r.limit().limit()),
          Long.toString(windowMs), Long.toString(amount), r.limit().meter()));
      // Each predecessor by its counter's name in the same subject, so the script finds it in the
      // op's own slot: name, algorithm, limit, windowMs, until (store time).
      for (Predecessor p : r.predecessors()) {
        boolean pWindow = p.limit().algorithm() == Algorithm.SLIDING_WINDOW;
        f.addAll(List.of(RedisKeys.rateCounterName(p.key().name(), p.limit().algorithm()), pWindow ? "w" : "b",
            Long.toString(p.limit().limit()), Long.toString(p.limit().window().toMillis()),
            Long.toString(ExactRange.check("untilMs", p.untilMs()))));
      }
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
    return settle(new String[] {keys.epoch(), keys.expiries(), keys.reservation(s.reservationId())}, s, false, offsetMs);
  }

  /**
   * Settles the part of a reservation filed in one Redis Cluster slot, once its home record has
   * claimed the settlement (so the part settles even if it expires before this call runs).
   */
  Call settle(int slot, Settlement s, long offsetMs) {
    return settle(new String[] {keys.epoch(slot), keys.expiries(slot), keys.reservation(slot, s.reservationId())}, s,
        true, offsetMs);
  }

  private static Call settle(String[] k, Settlement s, boolean claimed, long offsetMs) {
    Map<String, Long> meters = new TreeMap<>(s.actualMeters());
    List<String> a = new ArrayList<>(8 + 2 * meters.size());
    a.add(SETTLE);
    a.add(Long.toString(offsetMs));
    a.add(s.commit() ? "1" : "0");
    a.add(Long.toString(ExactRange.check("actualCostNanos", s.actualCostNanos())));
    a.add(s.fingerprint());
    a.add(Integer.toString(meters.size()));
    for (Map.Entry<String, Long> m : meters.entrySet()) {
      a.add(m.getKey());
      a.add(Long.toString(ExactRange.check("actualMeters." + m.getKey(), m.getValue())));
    }
    a.add(claimed ? "1" : "0");
    a.add("0"); // the deadline: none until set just before it is sent
    return new Call(k, a.toArray(String[]::new));
  }

  /**
   * Seeds a budget counter; {@code epoch} is the epoch marker beside it (the node's, or on Redis
   * Cluster its slot's), beside which the script registers the counter's name for resets. The
   * script leaves the counter missing if its subject's reset mark is after {@code missingAtMs}
   * (see {@link dev.quota.store.Store#seed(CounterKey, long, long, int, long, long)}), and counts
   * every level up to {@code alertedUpTo} as alerted, as well as those the spend reaches. A spend past one
   * amount's maximum is seeded where a charge to it would leave the counter ({@link
   * ExactRange#budgetUse}).
   */
  Call seed(
      CounterKey key, String epoch, long nanos, long periodEndMs, int firedThresholds, long missingAtMs,
      long alertedUpTo, long offsetMs) {
    return new Call(
        new String[] {keys.counter(key), epoch},
        new String[] {"seed", Long.toString(offsetMs), Long.toString(ExactRange.budgetUse("nanos", nanos)),
          Long.toString(ExactRange.check("periodEndMs", periodEndMs)), Integer.toString(firedThresholds),
          Long.toString(missingAtMs), Long.toString(alertedUpTo), "0"});
  }

  /**
   * Catches up budget counter {@code op.key()} with {@code nanos} if it was last decided on at
   * {@code touchedMs} (see {@link dev.quota.store.Store#catchUp}); the op gives its marker, limit and
   * alert levels. A spend past one amount's maximum is added as a charge of it would be.
   */
  Call catchUp(BudgetOp op, long nanos, long touchedMs, long offsetMs) {
    List<String> a = new ArrayList<>(8 + op.thresholdNanos().length);
    a.addAll(List.of("catch_up", Long.toString(offsetMs), Long.toString(ExactRange.budgetUse("nanos", nanos)),
        Long.toString(touchedMs), Long.toString(op.seedBeforeMs()),
        Long.toString(ExactRange.check("limitNanos", op.limitNanos()))));
    for (long t : op.thresholdNanos()) {
      a.add(Long.toString(ExactRange.check("thresholdNanos", t)));
    }
    a.add("0");
    return new Call(new String[] {keys.counter(op.key())}, a.toArray(String[]::new));
  }

  /** What {@link #catchUp} answered. */
  static CaughtUp caughtUp(List<Object> r) {
    return num(r.get(0)) == 1 ? new CaughtUp(true, num(r.get(1)), (int) num(r.get(3))) : CaughtUp.NOT_APPLIED;
  }

  /**
   * Resets {@code subject} in one step: marks it and deletes its counters, whose names the script
   * finds beside {@code epoch} (the node's epoch marker, or on Redis Cluster the subject's slot's).
   */
  Call reset(String subject, String epoch, long offsetMs) {
    return new Call(new String[] {keys.resetMark(subject), epoch}, new String[] {"reset", Long.toString(offsetMs), "0"});
  }

  /** Reads the reservation filed under {@code reservationId} (on Redis Cluster, its home record). */
  Call peek(String reservationId, long offsetMs) {
    return new Call(new String[] {keys.reservation(reservationId)}, new String[] {"peek", Long.toString(offsetMs)});
  }

  /** What {@link #peek} found held, if anything. */
  static Optional<Holding> holding(List<Object> r) {
    if (num(r.get(0)) != 1) {
      return Optional.empty();
    }
    return Optional.of(new Holding(num(r.get(3)) == 1 ? (String) r.get(4) : null, num(r.get(1))));
  }

  Call now(long offsetMs) {
    return new Call(new String[] {keys.epoch()}, new String[] {"now", Long.toString(offsetMs)});
  }

  static PlanResult planResult(List<Object> r) {
    return parse(r, null);
  }

  /**
   * The answer to {@code call}, an {@code apply} call: an admitted reservation names the id it was
   * filed under, which the script sends back only in a replay (its first request's).
   */
  static PlanResult planResult(List<Object> r, Call call) {
    String[] args = call.args();
    String sent = args[args.length - 1]; // the plan's reservation id, or "" (see apply)
    return parse(r, sent.isEmpty() ? null : sent);
  }

  private static PlanResult parse(List<Object> r, String filed) {
    PlanResult.Status status = PLAN_STATUS[(int) num(r.get(0))];
    boolean admitted = num(r.get(1)) == 1;
    long now = num(r.get(2));
    long expiresAt = num(r.get(3));
    int n = (int) num(r.get(4));
    OpResults.Builder results = new OpResults.Builder(n);
    int at = 5;
    for (int i = 0; i < n; i++, at += 5) {
      results.allowed(i, num(r.get(at)) == 1).fired(i, (int) num(r.get(at + 4)))
          .counter(i, num(r.get(at + 1)), num(r.get(at + 2)), num(r.get(at + 3)));
    }
    int m = (int) num(r.get(at++));
    Integer[] seeds = new Integer[m];
    for (int i = 0; i < m; i++) {
      seeds[i] = (int) num(r.get(at++));
    }
    if (status == PlanResult.Status.NEEDS_SEED) {
      // then the stale budgets: their count, and each one's index and time of last decision
      int s = (int) num(r.get(at++));
      StaleBudget[] stale = new StaleBudget[s];
      for (int i = 0; i < s; i++, at += 2) {
        stale[i] = new StaleBudget((int) num(r.get(at)), num(r.get(at + 1)));
      }
      return PlanResult.needsSeed(now, List.of(seeds), List.of(stale));
    }
    // A replayed reservation carries the id the first request filed; an applied one was filed under the call's.
    String reservationId = r.size() > at ? r.get(at).toString()
        : status == PlanResult.Status.APPLIED && expiresAt != 0 ? filed : null;
    // an immutable list from the array, which PlanResult keeps as it is instead of copying
    return new PlanResult(status, admitted, results.build(), now, expiresAt, List.of(seeds), reservationId);
  }

  static SettleResult settleResult(List<Object> r) {
    SettleResult.Status status = SETTLE_STATUS[(int) num(r.get(0))];
    long held = num(r.get(1));
    long now = num(r.get(2));
    String payload = num(r.get(3)) == 1 ? (String) r.get(4) : null;
    long reservedAt = num(r.get(5));
    int n = (int) num(r.get(6));
    List<SettleResult.BudgetChange> changes = new ArrayList<>(n);
    for (int i = 0, at = 7; i < n; i++, at += 6) {
      changes.add(new SettleResult.BudgetChange((String) r.get(at),
          new CounterKey((String) r.get(at + 1), (String) r.get(at + 2)), num(r.get(at + 3)),
          num(r.get(at + 4)), (int) num(r.get(at + 5))));
    }
    return new SettleResult(status, payload, held, now, changes, reservedAt);
  }

  static long num(Object o) {
    return o instanceof Long l ? l : Long.parseLong(o.toString());
  }
}
