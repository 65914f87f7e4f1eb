package dev.quota;

import dev.quota.admin.ConfigRepository;
import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.PlanCompiler.OpRef;
import dev.quota.internal.PolicyIndex;
import dev.quota.ledger.OwedUsageJournal;
import dev.quota.ledger.UsageEntry;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CaughtUp;
import dev.quota.plan.CounterKey;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Charges the usage ledger holds but the budget counters do not: usage recorded while the store
 * could not be reached (a decision that failed open), kept here until the store answers again and
 * then applied to the budgets. Without them a subject could overspend after every outage, since a
 * counter that outlived the outage never learns of spend the ledger took meanwhile.
 *
 * <p>A charge keeps the budget ops of its plan, not its rate-limit ops: their windows have moved on
 * by the time the store is back. It is replayed as a {@code RECORD} plan of the ops whose periods
 * still hold, under an idempotency key of its own, so a replay whose answer was lost and that is
 * replayed again is applied once by a store that remembers keys. An op is dropped, not replayed,
 * when:
 *
 * <ul>
 *   <li>its period has ended: that budget is over;
 *   <li>its counter's subject was reset after the charge (the admin reset forgave it, as a counter
 *       rebuilt from the ledger would);
 *   <li>the store lost its counter since the charge (a restart, a flushed Redis): it answers that
 *       the counter needs a seed, or this engine already saw it answer so and seeded it. The seed
 *       rebuilds the counter from the ledger, which holds the charge's row, so the replay would
 *       count it twice;
 *   <li>this engine caught the counter up from the ledger ({@link BudgetCatchUp}) with the charge's
 *       row: one dated after the counter's last decision. One dated before is still replayed, as
 *       the counter never counted it. A replay that finds its counter stale catches it up first.
 * </ul>
 *
 * <p>Replays run on a daemon thread of their own: after a backoff while the store stays away
 * (doubling from 100 ms to 5 s), and at once after a decision the store answered. The charges wait
 * in memory, at most {@link #BOUND} of them; beyond that the oldest gives way, and every charge
 * given up so is counted by {@link QuotaListener#onOwedChargeDropped}. Each is noted in an {@link
 * OwedUsageJournal} by its ledger row, and settled there once applied or given up: a charge still
 * owed when the engine closes, or when its process dies, stays journaled for the next start to
 * {@linkplain Quota#resumeOwedCharges resume}. Its replays keep their idempotency key across
 * processes (the row's id), so one that the dead process applied is a repeat to a store that
 * still remembers the key. Without a journal, charges still owed at close are counted as dropped.
 *
 * <p>A charge is counted twice, never missed, when the store applied it although its caller was
 * told it could not (the answer came after the caller gave up), or when the store lost its data and
 * another server rebuilt the counter from the ledger after the row was written and before this
 * replay: both err toward denial.
 */
final class OwedCharges implements AutoCloseable {
  /** Charges kept at most; about a hundred bytes each. */
  static final int BOUND = 100_000;
  private static final long FIRST_RETRY_MS = 100;
  private static final long LAST_RETRY_MS = 5_000;
  /** Tries per charge and pass: each answer the store gives before applying it removes ops or ends the pass. */
  private static final int MAX_ATTEMPTS = 4;
  private static final String KEY_PREFIX = "owed:";

  /**
   * One owed charge.
   *
   * @param seq its place in the order charges were owed, to tell which a later seed covers
   * @param rowId the id of its ledger row, which the journal knows it by
   * @param id the idempotency key of its replays, made from {@code rowId}
   * @param at when it was charged: its ledger row's time
   * @param usageKey the recorded usage's own idempotency key, or null: a retry of the same usage owes nothing more
   * @param ops its budget ops, with their {@code refs} aligned
   */
  private record Charge(long seq, String rowId, String id, Instant at, String usageKey, List<BudgetOp> ops, List<OpRef> refs) {}

  /** The charges owed before {@code seqBefore} and charged at or after {@code fromMs}: a catch-up counted them. */
  private record Covered(long seqBefore, long fromMs) {}

  /** Spend charged at {@code atMs} that a lost counter never counted, in a period ending at {@code periodEndMs}. */
  private record Unalerted(long atMs, long nanos, long periodEndMs) {}

  private final Store store;
  private final ConfigRepository config;
  private final BudgetAlerts alerts;
  private final QuotaListener listener;
  private final Clock clock;
  private final boolean seedBudgets;
  private final int bound;
  private final OwedUsageJournal journal;
  /** The engine's policy snapshot, whose marker a replay carries ({@link BudgetOp#withSeedBefore}). */
  private final Supplier<PolicyIndex> index;
  /** Catches up the counters a replay finds stale; set once, before any replay. */
  private BudgetCatchUp catchUp;

  // Guarded by this.
  private final ArrayDeque<Charge> queue = new ArrayDeque<>();
  private final Set<String> usageKeys = new HashSet<>();
  /**
   * Per budget counter this engine saw the store report lost since some charges were owed: the
   * first {@code seq} the report does not cover. The counter is rebuilt from the ledger, which holds
   * the rows of every charge owed before; emptied with the queue.
   */
  private final Map<CounterKey, Long> lost = new HashMap<>();
  /**
   * Per budget counter this engine caught up from the ledger since some charges were owed: the
   * charges each catch-up counted, those owed before it (by {@code seq}) charged from its start on.
   * Emptied with the queue.
   */
  private final Map<CounterKey, List<Covered>> caughtUp = new HashMap<>();
  /**
   * Per budget counter, the spend of owed charges dropped from replay because the store had lost
   * the counter, which no counter has counted yet: the rebuild that counts it from the ledger must
   * also alert the levels it crosses ({@link #rebuilding}). Outlives the queue, since the rebuild
   * may come after the last charge was settled; entries leave with their period.
   */
  private final Map<CounterKey, List<Unalerted>> unalerted = new HashMap<>();
  private long nextSeq;
  private ScheduledExecutorService timer;
  private ScheduledFuture<?> next;
  private long backoffMs = FIRST_RETRY_MS;
  private boolean closed;

  /** The queue's length, read on every decision without a lock. */
  private volatile int size;
  /** Whether a decision asked for a pass that has not started yet. */
  private volatile boolean passAsked;
  /** One replay pass at a time, so no charge is applied by two at once. */
  private final ReentrantLock replaying = new ReentrantLock();
  /** Orders a replay's store call with the start of a rebuild from the ledger; see {@link #rebuilding}. */
  private final Object applying = new Object();
  /** Whether a thread of this class replays by itself; otherwise only {@link #replay} does. */
  private final boolean background;

  OwedCharges(
      Store store, ConfigRepository config, BudgetAlerts alerts, QuotaListener listener, Clock clock,
      boolean seedBudgets, int bound, boolean background, OwedUsageJournal journal, Supplier<PolicyIndex> index) {
    this.index = index;
    this.background = background;
    this.journal = journal;
    this.store = store;
    this.config = config;
    this.alerts = alerts;
    this.listener = listener;
    this.clock = clock;
    this.seedBudgets = seedBudgets;
    this.bound = bound;
  }

  /** Sets what catches up the counters a replay finds stale; call before anything is owed. */
  void catchUpWith(BudgetCatchUp catchUp) {
    this.catchUp = catchUp;
  }

  /**
   * Owes the budget ops of {@code c}, whose usage the ledger holds (call only after its row is
   * written) but the store did not take.
   *
   * @param row the usage's ledger row: its id names the charge, its time is the charge's
   */
  void owe(Compiled c, UsageEntry row) {
    String usageKey = row.idempotencyKey();
    List<BudgetOp> ops = new ArrayList<>(4);
    List<OpRef> refs = new ArrayList<>(4);
    List<CounterOp> all = c.plan().ops();
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i) instanceof BudgetOp b && b.amountNanos() > 0) {
        ops.add(b);
        refs.add(c.refs().get(i));
      }
    }
    if (ops.isEmpty()) {
      return;
    }
    int dropped = 0;
    synchronized (this) {
      if (closed) {
        journal.owed(row); // for the next start: this engine can no longer replay it
        dropped = journal == OwedUsageJournal.NONE ? 1 : 0;
      } else if (usageKey == null || usageKeys.add(usageKey)) {
        journal.owed(row);
        queue.addLast(new Charge(
            nextSeq++, row.id(), KEY_PREFIX + row.id(), row.chargedAt(), usageKey, List.copyOf(ops), List.copyOf(refs)));
        while (queue.size() > bound) {
          forget(queue.pollFirst());
          dropped++;
        }
        size = queue.size();
        schedule(backoffMs);
      }
    }
    for (int i = 0; i < dropped; i++) {
      listener.onOwedChargeDropped();
    }
  }

  /** Charges owed now. */
  int size() {
    return size;
  }

  /**
   * The store answered a decision: replays whatever is owed soon, on the replay thread. Costs one
   * volatile read while nothing is owed, and two while a pass is already asked for: a replay of
   * many charges takes a while, and every decision meanwhile would otherwise queue on this lock.
   */
  void storeAnswered() {
    if (size == 0 || !background || passAsked) {
      return;
    }
    synchronized (this) {
      passAsked = true;
      backoffMs = FIRST_RETRY_MS;
      schedule(0);
    }
  }

  /**
   * The store reported the counter {@code key} lost and this engine is about to rebuild it from
   * the ledger (call before reading the ledger): every charge owed so far has its row there, so
   * none of them is replayed to that counter. Should the rebuild fail, the next one reads the same
   * rows (and is handed back what this returned, {@link #notAlerted}).
   *
   * @param countedFrom where the rebuilt counter's spend begins (its period, or a later reset)
   * @return the spend since {@code countedFrom} that the ledger holds but no counter ever counted:
   *     charges still owed, and those dropped because the counter was lost. The levels it crosses
   *     were never alerted.
   */
  long rebuilding(CounterKey key, Instant countedFrom) {
    synchronized (applying) {
      synchronized (this) {
        long fromMs = countedFrom.toEpochMilli();
        long nanos = 0;
        List<Unalerted> dropped = unalerted.remove(key);
        if (dropped != null) {
          for (Unalerted u : dropped) {
            nanos += u.atMs() >= fromMs ? u.nanos() : 0;
          }
        }
        if (!queue.isEmpty()) {
          // Only charges no earlier rebuild of this counter covered: one rebuild alerts each.
          Long coveredBefore = lost.get(key);
          for (Charge c : queue) {
            if ((coveredBefore == null || c.seq() >= coveredBefore) && !c.at().isBefore(countedFrom)) {
              for (BudgetOp op : c.ops()) {
                nanos += op.key().equals(key) ? op.amountNanos() : 0;
              }
            }
          }
          lost.put(key, nextSeq);
        }
        return nanos;
      }
    }
  }

  /** A rebuild that took {@code nanos} from {@link #rebuilding} failed: the next one alerts it. */
  synchronized void notAlerted(CounterKey key, long nanos, Instant countedFrom, long periodEndMs) {
    if (nanos > 0) {
      unalerted.computeIfAbsent(key, k -> new ArrayList<>(2)).add(new Unalerted(countedFrom.toEpochMilli(), nanos, periodEndMs));
    }
  }

  /** Notes that the store lost {@code op}'s counter before {@code c} was replayed to it. Holds this. */
  private void droppedUncounted(Charge c, BudgetOp op) {
    long now = clock.millis();
    unalerted.values().forEach(list -> list.removeIf(u -> u.periodEndMs() <= now));
    unalerted.values().removeIf(List::isEmpty);
    unalerted.computeIfAbsent(op.key(), k -> new ArrayList<>(2))
        .add(new Unalerted(c.at().toEpochMilli(), op.amountNanos(), op.periodEndMs()));
  }

  /**
   * Whether this engine began rebuilding {@code key} from the ledger after {@code c}'s row was
   * written, or caught it up from the ledger with that row.
   */
  private synchronized boolean rebuiltSince(Charge c, CounterKey key) {
    Long since = lost.get(key);
    if (since != null && c.seq() < since) {
      return true;
    }
    for (Covered covered : caughtUp.getOrDefault(key, List.of())) {
      if (c.seq() < covered.seqBefore() && c.at().toEpochMilli() >= covered.fromMs()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs {@code catchUp}, which reads the spend of counter {@code key} charged from {@code from} on
   * from the ledger and adds it to the counter, with no replay meanwhile: a replay between the read
   * and the store call would be counted twice, or moves the counter on so the catch-up is refused.
   * Once applied, the charges owed so far and charged from {@code from} on (their rows were read)
   * are not replayed to that counter; those charged before are, as it never counted them.
   */
  CaughtUp catchingUp(CounterKey key, Instant from, Supplier<CaughtUp> catchUp) {
    synchronized (applying) {
      long owedBefore;
      synchronized (this) {
        owedBefore = nextSeq; // their rows are in the ledger: a charge is owed once its row is written
      }
      CaughtUp r = catchUp.get();
      if (r.applied()) {
        synchronized (this) {
          if (!queue.isEmpty()) {
            caughtUp.computeIfAbsent(key, k -> new ArrayList<>(1)).add(new Covered(owedBefore, from.toEpochMilli()));
          }
        }
      }
      return r;
    }
  }

  /**
   * Replays the owed charges now, on the calling thread, oldest first, until the store cannot be
   * reached (the rest stay owed). Waits for a pass already running.
   *
   * @return the charges still owed
   */
  int replay() {
    replaying.lock();
    try {
      Map<Map<String, String>, Optional<Instant>> resets = new HashMap<>();
      while (true) {
        Charge c;
        synchronized (this) {
          c = queue.peekFirst();
        }
        if (c == null || !settle(c, resets)) {
          break;
        }
        synchronized (this) {
          if (queue.peekFirst() == c) { // else the bound pushed it out meanwhile
            forget(queue.pollFirst());
            size = queue.size();
          }
        }
      }
      return size;
    } finally {
      replaying.unlock();
    }
  }

  /**
   * Replays one charge's ops that still count.
   *
   * @return false if the store (or the reset marks) could not be read: the charge stays owed
   */
  private boolean settle(Charge c, Map<Map<String, String>, Optional<Instant>> resets) {
    List<Integer> keep = new ArrayList<>(c.ops().size());
    long now = clock.millis();
    // The marker of the configuration in force, not of the charge's: replayed onto a counter that
    // the engines took up again since, the charge would otherwise pass it for current and spare it
    // the catch-up (or create it without the period's spend) that a decision now would not.
    long seedBefore = index.get().seedBudgetsBefore(now);
    for (int i = 0; i < c.ops().size(); i++) {
      if (c.ops().get(i).periodEndMs() > now) {
        try {
          if (!forgiven(c, c.refs().get(i), resets)) {
            keep.add(i);
          }
        } catch (RuntimeException repositoryAway) {
          return false;
        }
      }
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS && !keep.isEmpty(); attempt++) {
      PlanResult r;
      Plan plan;
      // Held from reading which counters were rebuilt until the store answers: a rebuild that
      // starts meanwhile would count the charge from the ledger while this replay counts it again.
      synchronized (applying) {
        keep.removeIf(i -> rebuiltSince(c, c.ops().get(i).key()));
        if (keep.isEmpty()) {
          return true;
        }
        List<CounterOp> ops = new ArrayList<>(keep.size());
        for (int i : keep) {
          ops.add(c.ops().get(i).withSeedBefore(seedBefore));
        }
        // One fingerprint whatever ops are left: a replay whose first answer was lost is a repeat.
        plan = new Plan(Plan.Kind.RECORD, ops, null, 0, c.id(), "OWED|" + c.id(), null, seedBudgets);
        try {
          r = store.apply(plan);
        } catch (StoreUnavailableException e) {
          return false;
        } catch (RuntimeException e) {
          // No answer will ever differ: give the charge up rather than hold back the rest.
          listener.onStoreError(e);
          listener.onOwedChargeDropped();
          return true;
        }
      }
      switch (r.status()) {
        case APPLIED -> {
          List<OpRef> refs = new ArrayList<>(keep.size());
          for (int i : keep) {
            refs.add(c.refs().get(i));
          }
          alerts.fire(new Compiled(plan, refs, List.of()), r);
          return true;
        }
        case REPLAYED, CONFLICT -> {
          return true; // an earlier replay of it was applied
        }
        case NEEDS_SEED -> {
          if (!r.staleBudgets().isEmpty()) {
            // Behind the ledger: caught up (with this charge's row if it is charged after the
            // counter's last decision, which this replay then leaves out) and replayed again.
            List<OpRef> refs = new ArrayList<>(keep.size());
            for (int i : keep) {
              refs.add(c.refs().get(i));
            }
            try {
              catchUp.catchUp(new Compiled(plan, refs, List.of()), r.staleBudgets());
            } catch (RuntimeException away) {
              return false; // the ledger or the store: the charge stays owed
            }
          }
          // Lost with the store: the seed rebuilds these counters from the ledger, which has the row.
          List<Integer> lostOps = r.seedIndices();
          List<Integer> rest = new ArrayList<>(keep.size());
          for (int j = 0; j < keep.size(); j++) {
            if (!lostOps.contains(j)) {
              rest.add(keep.get(j));
            } else {
              synchronized (this) {
                droppedUncounted(c, c.ops().get(keep.get(j)));
              }
            }
          }
          keep = rest;
        }
        case PERIOD_MISMATCH -> {
          // The store's clock is past a period the engine's still holds: that budget is over.
          int before = keep.size();
          keep.removeIf(i -> c.ops().get(i).periodEndMs() <= r.nowMs());
          if (keep.size() == before) {
            return false; // the store's clock is behind a period's start: try again later
          }
        }
      }
    }
    return keep.isEmpty();
  }

  /**
   * Whether an admin reset of the op's subject came after the charge, and so forgave it: the rule
   * a rebuilt budget follows ({@link BudgetSeeder#countedSince}).
   */
  private boolean forgiven(Charge c, OpRef ref, Map<Map<String, String>, Optional<Instant>> resets) {
    Optional<Instant> countedSince = resets.computeIfAbsent(ref.subjects(), s -> BudgetSeeder.countedSince(config, s));
    return countedSince.isPresent() && c.at().isBefore(countedSince.get());
  }

  /** The charge is no longer owed: applied, found counted already, or given up. Holds this. */
  private void forget(Charge c) {
    journal.settled(c.rowId());
    if (c.usageKey() != null) {
      usageKeys.remove(c.usageKey());
    }
    if (queue.isEmpty()) {
      lost.clear();
      caughtUp.clear();
    }
  }

  /** Runs a replay pass in {@code delayMs} unless one is due sooner. Holds this. */
  private void schedule(long delayMs) {
    if (closed || !background) {
      return;
    }
    if (next != null && !next.isDone() && next.getDelay(TimeUnit.MILLISECONDS) <= delayMs) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    if (timer == null) {
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "quota-owed-charges");
        t.setDaemon(true);
        return t;
      });
    }
    next = timer.schedule(this::replayLater, delayMs, TimeUnit.MILLISECONDS);
  }

  private void replayLater() {
    passAsked = false; // a decision from now on asks for the next pass
    synchronized (this) {
      // This pass is not done until it returns: left as the next one, it would make schedule()
      // skip the retry this pass asks for when the store is still away, and nothing owed since
      // would be replayed until a decision came.
      next = null;
    }
    int left;
    try {
      left = replay();
    } catch (RuntimeException e) {
      listener.onStoreError(e);
      left = size;
    }
    synchronized (this) {
      if (left == 0) {
        backoffMs = FIRST_RETRY_MS;
      } else {
        backoffMs = Math.min(backoffMs * 2, LAST_RETRY_MS);
        schedule(backoffMs);
      }
    }
  }

  /**
   * Stops the replay thread after one last pass (the store may be back). What is still owed stays
   * journaled for the next start; without a journal it is counted as dropped. Call before the
   * store closes.
   */
  @java.lang.Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      closed = true;
      t = timer;
      if (next != null) {
        next.cancel(false);
      }
    }
    if (t != null) {
      t.shutdown();
    }
    int left = size == 0 ? 0 : replay();
    synchronized (this) {
      queue.clear();
      usageKeys.clear();
      lost.clear();
      caughtUp.clear();
      size = 0;
    }
    if (journal == OwedUsageJournal.NONE) {
      for (int i = 0; i < left; i++) {
        listener.onOwedChargeDropped();
      }
    }
  }
}
