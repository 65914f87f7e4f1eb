package dev.quota;

import dev.quota.admin.ConfigRepository;
import dev.quota.admin.MemoryConfigRepository;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.alert.AlertHandler;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertJournal;
import dev.quota.alert.MemoryAlertHistory;
import dev.quota.internal.Ids;
import dev.quota.internal.Payload;
import dev.quota.internal.PlanCache;
import dev.quota.internal.PlanCompiler;
import dev.quota.internal.PlanCompiler.Compiled;
import dev.quota.internal.PolicyIndex;
import dev.quota.ledger.MemoryLedger;
import dev.quota.ledger.OwedUsageJournal;
import dev.quota.ledger.SpendCurrency;
import dev.quota.ledger.UsageEntry;
import dev.quota.ledger.UsageLedger;
import dev.quota.plan.OpResults;
import dev.quota.plan.Plan;
import dev.quota.plan.PlanResult;
import dev.quota.store.MemoryStore;
import dev.quota.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The decision engine. Before a call: {@link #check} (dry run) or {@link #reserve}; after it:
 * {@link #commit} or {@link #release}; for usage that already happened: {@link #record}.
 *
 * <p>Each request is matched against the policies that apply to its subjects and compiled into a
 * {@link Plan}: one counter op per limit. The {@link Store} applies the whole plan atomically
 * against its own clock, so every limit of a decision holds together or none moves, and no engine
 * path ever reads a counter, decides here and writes it back. The engine's own clock only picks
 * budget periods; a store whose clock disagrees answers "period mismatch" with its time and the
 * engine recompiles for that time.
 *
 * <p>Committed and recorded costs go to the {@link UsageLedger} before the call returns. Budget
 * counters that a store lost (a restart, a flushed Redis) are seeded back from the ledger before
 * anything more is admitted against them, counting only the spend since the subject's latest
 * admin reset ({@link BudgetSeeder}). Usage recorded while the store could not be reached goes to
 * the ledger all the same, and its budget charges are owed to the store until it answers again
 * ({@link OwedCharges}).
 *
 * <p>Thread-safe. Create one per process with {@link #builder()}.
 */
public final class Quota implements AutoCloseable {
  private static final int MAX_ATTEMPTS = 4;
  /**
   * Sets of {@link PlanCache#WAYS} remembered compilations: room for the requests of about 15,000
   * subjects deciding in turn, at 1 to 4 KB each (a plan of 2 to 11 counters), so tens of MB at most.
   */
  private static final int PLAN_CACHE_SETS = 1024;
  private static final String[] OPERATION_NAMES = {"check", "reserve", "record"};

  private final Clock clock;
  private final Store store;
  private final ConfigRepository config;
  private final UsageLedger ledger;
  private final AlertHistory alertHistory;
  private final AlertDispatcher alerts;
  private final BudgetAlerts budgetAlerts;
  private final Settlements settlements;
  private final BudgetSeeder seeder;
  private final BudgetCatchUp catchUp;
  /** Usage the ledger took while the store could not; see {@link OwedCharges}. */
  private final OwedCharges owed;
  private final UnledgeredCharges unledgered = new UnledgeredCharges();
  private final OwedUsageJournal owedUsageJournal;
  private final QuotaListener listener;
  /** Whether anyone hears decision latencies: without a listener a decision skips both clock reads. */
  private final boolean timed;
  private final boolean seedBudgets;
  private final QuotaAdmin admin;
  /** Where asynchronous decisions finish work that may block; see {@link Builder#executor}. */
  private final Executor blocking;
  /** The pool behind {@link #blocking} when this engine made it, shut down on {@link #close}. */
  private final ExecutorService ownPool;
  private volatile PolicyIndex index;
  /** Set by {@link #close}: see {@link #requireOpen}. */
  private volatile boolean closed;
  /** Compilations of recent requests; see {@link PlanCache}. */
  private final PlanCache plans = new PlanCache(PLAN_CACHE_SETS);

  private Quota(Builder b) {
    this.clock = b.clock;
    this.store = b.store != null ? b.store : new MemoryStore(b.clock);
    this.config = b.config;
    this.ledger = b.ledger;
    this.alertHistory = b.alertHistory;
    this.listener = b.listener;
    this.timed = listener != QuotaListener.NONE;
    this.seedBudgets = b.seedBudgets;
    this.alerts = new AlertDispatcher(alertHistory, listener, b.alertJournal);
    this.owedUsageJournal = b.owedUsageJournal;
    b.handlers.forEach(alerts::addHandler);
    this.budgetAlerts = new BudgetAlerts(clock, listener, alerts);
    this.settlements = new Settlements(store, ledger, budgetAlerts, this::index, unledgered);
    this.owed = new OwedCharges(
        store, config, budgetAlerts, listener, clock, seedBudgets, b.owedChargeBound, b.replayOwedChargesInBackground,
        b.owedUsageJournal, this::index);
    this.seeder =
        new BudgetSeeder(ledger, config, store, owed, unledgered, budgetAlerts, new AlertedBefore(alertHistory, alerts));
    this.catchUp = new BudgetCatchUp(ledger, config, store, owed, unledgered, budgetAlerts);
    owed.catchUpWith(catchUp);
    this.admin = new QuotaAdmin(this, config, store, clock, b.policyFormat, listener);
    this.ownPool = b.executor == null ? Executors.newCachedThreadPool(Quota::daemon) : null;
    this.blocking = b.executor != null ? b.executor : ownPool;
    try {
      reloadConfig();
    } catch (RuntimeException e) {
      // No engine comes of it, so no one could close it: stop the alert worker started above
      // (nothing was fired yet). The store and the ledger are the caller's, and stay open.
      alerts.stop();
      if (ownPool != null) {
        ownPool.shutdown();
      }
      throw e;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "quota-decisions");
    t.setDaemon(true);
    return t;
  }

  /** Would this request be admitted now? Consumes nothing. */
  public Decision check(QuotaRequest request) {
    requireOpen();
    ValidationException.require(request != null, "request", "is required");
    return decide(Plan.Kind.CHECK, request, null);
  }

  /**
   * Admits or denies atomically. On admit every rate limit is consumed, the estimate is held
   * against every budget and a concurrency slot is taken, under the returned reservation id, until
   * {@link #commit}, {@link #release} or the reservation's expiry. On deny nothing changes.
   */
  public Decision reserve(QuotaRequest request) {
    requireOpen();
    ValidationException.require(request != null, "request", "is required");
    return decide(Plan.Kind.RESERVE, request, newId());
  }

  /**
   * {@link #check}, answered through a stage. With a store that answers asynchronously (Redis), no
   * thread waits for the store; the same decision either way. Validation errors are thrown at once.
   */
  public CompletionStage<Decision> checkAsync(QuotaRequest request) {
    requireOpen();
    ValidationException.require(request != null, "request", "is required");
    return decideAsync(Plan.Kind.CHECK, request, null);
  }

  /** {@link #reserve}, answered through a stage; see {@link #checkAsync}. */
  public CompletionStage<Decision> reserveAsync(QuotaRequest request) {
    requireOpen();
    ValidationException.require(request != null, "request", "is required");
    return decideAsync(Plan.Kind.RESERVE, request, newId());
  }

  /**
   * Charges usage that already happened, without a check: the request's estimated cost is taken
   * as the actual cost. It may push budgets past their limits; later requests are then denied.
   *
   * <p>If the store cannot be reached and every policy fails open, the usage still goes to the
   * ledger, and its budget charges are owed to the store: applied once it answers again (see
   * {@link #owedCharges}).
   */
  public Decision record(QuotaRequest usage) {
    requireOpen();
    ValidationException.require(usage != null, "usage", "is required");
    long started = timed ? System.nanoTime() : 0;
    Decision earlier = usage.idempotencyKey() == null ? null : ledgeredEarlier(usage);
    if (earlier != null) {
      // Counted as what the caller asked for, a recorded usage, not as the check that read the limits.
      if (timed) {
        listener.onDecision(OPERATION_NAMES[Plan.Kind.RECORD.ordinal()], true, System.nanoTime() - started);
      }
      return earlier;
    }
    try (UnledgeredCharges.Charge charge = unledgered.open()) {
      Instant now = clock.instant();
      PolicyIndex snapshot = index;
      Compilation decided = compilation(Plan.Kind.RECORD, usage, snapshot, now);
      Decision d = decide(Plan.Kind.RECORD, usage, null, charge, decided, snapshot, now, started);
      // A replay is appended as well: the store may have applied the first attempt after its caller
      // stopped waiting for the reply (a timeout), so only the retry can bring it to the ledger. The
      // ledger keeps one row per idempotency key, so a first attempt that did arrive is not doubled.
      // Dated by the store's clock, as a commit's row is: the store charged the budget period that
      // holds its time, and a budget rebuilt from the ledger counts the row in the period of its own.
      // With the store away (failing open) only the engine's clock is left.
      Instant at = d.limits() instanceof DecisionLimits stored ? stored.decidedAt() : clock.instant();
      if (d.failOpen()) {
        chargeOwed(usage, usage.idempotencyKey(), at);
        return d;
      }
      // The row is in the currency of the budgets the store just charged, those of the policies
      // this decision resolved: a policy changed since must not relabel a spend it did not count.
      ledger.append(
          new UsageEntry(
              newId(), at, usage.subjects(), usage.estimatedCost(), usage.meters(), null,
              usage.idempotencyKey(), Money.ZERO, null, SpendCurrency.of(decided.policies())));
      return d;
    }
  }

  /**
   * After a reservation failed open (no reservation was made) for a call that went ahead, at the
   * request's cost (its estimate, or the actual cost a guard measured): the ledger row, and the
   * budget charges owed to the store. The store is not asked again: it has just failed to answer.
   */
  void chargeFailedOpen(QuotaRequest request) {
    chargeOwed(request, null, clock.instant());
  }

  /**
   * Writes the ledger row (under {@code idempotencyKey}, if any) of {@code usage}, made at
   * {@code at} while the store could not be reached, and then owes the store its budget charges:
   * owed only once the row is written, so a counter rebuilt from the ledger from then on counts it.
   * Row and charges come from one plan, compiled for the row's time, so the row is in the currency
   * of the budgets that are owed it.
   */
  private void chargeOwed(QuotaRequest usage, String idempotencyKey, Instant at) {
    Compilation owedPlan = compilation(Plan.Kind.RECORD, usage, index, at);
    UsageEntry row = new UsageEntry(
        newId(), at, usage.subjects(), usage.estimatedCost(), usage.meters(), null, idempotencyKey, Money.ZERO,
        null, SpendCurrency.of(owedPlan.policies()));
    ledger.append(row);
    owed.owe(owedPlan.template(), row);
  }

  /**
   * Budget charges owed to the store: usage the ledger took while the store could not be reached
   * (recorded usage, and the calls of {@link QuotaGuard} and {@link PreparedRequest} that failed
   * open), not yet applied to the budget counters. They are applied on a background thread once
   * the store answers again, each to the budgets whose periods still hold, except the counters an
   * admin reset forgave since and those the store lost meanwhile, which are rebuilt from the
   * ledger. At most 100,000 wait, in memory: the oldest beyond that are given up and reported to
   * {@link QuotaListener#onOwedChargeDropped}. Those still owed when the engine closes, or its
   * process dies, stay in the {@link Builder#owedUsageJournal journal} for the next engine to
   * {@linkplain #resumeOwedCharges resume}; without one they are given up and reported too.
   */
  public int owedCharges() {
    return owed.size();
  }

  /**
   * Applies the owed charges now, on the calling thread (they are otherwise applied in the
   * background), oldest first, until the store cannot be reached; see {@link #owedCharges}.
   *
   * @return the charges still owed
   */
  public int replayOwedCharges() {
    return owed.replay();
  }

  /**
   * Owes again the budget charges of ledger rows an earlier engine owed and could not apply before
   * its process stopped or died, as an {@link OwedUsageJournal} kept them. Each is charged, as
   * then, to the budgets of the policies that applied at the row's time, and replayed like any
   * owed charge; the rules that drop one (its period ended, a reset forgave it, the store lost the
   * counter and rebuilds it from the ledger) hold as they would have. Call once, before the engine
   * decides anything: a counter rebuilt from the ledger before then would count a row twice.
   *
   * @return the charges now owed
   */
  public int resumeOwedCharges(List<UsageEntry> rows) {
    PolicyIndex snapshot = index;
    for (UsageEntry row : rows) {
      Instant at = row.chargedAt();
      Compiled c;
      try {
        QuotaRequest usage = QuotaRequest.rebuilt(row.subjects(), row.amount(), row.meters());
        c = PlanCompiler.compile(
            Plan.Kind.RECORD, usage, snapshot.resolve(usage.subjects(), at), snapshot, at, null, null, seedBudgets);
      } catch (ValidationException unreadable) {
        // A row this version cannot make a request of: the ledger keeps it for reports.
        owedUsageJournal.settled(row.id());
        listener.onOwedChargeDropped();
        continue;
      }
      owed.owe(c, row);
    }
    return owed.size();
  }

  /**
   * A retry of usage the ledger already holds under its idempotency key, answered as a replay
   * with nothing applied; null if the ledger holds no such entry (or cannot be read now). Asked
   * before the store: a store forgets its keys when it loses its data (a restart, a flushed Redis)
   * and would apply such a retry a second time.
   */
  private Decision ledgeredEarlier(QuotaRequest usage) {
    UsageEntry earlier = ledger.withIdempotencyKey(usage.idempotencyKey()).orElse(null);
    if (earlier == null) {
      return null;
    }
    if (!earlier.subjects().equals(usage.subjects())
        || earlier.amount().compareTo(usage.estimatedCost()) != 0
        || !earlier.meters().equals(usage.meters())) {
      throw conflict(usage);
    }
    QuotaRequest probe = new QuotaRequest(usage.subjects(), Money.ZERO, Map.of(RateLimit.REQUESTS, 0L), null, null);
    // Not through decide(): no listener hears of this read as a check (record counts the replay).
    Instant now = clock.instant();
    PolicyIndex snapshot = index;
    Compilation c = compilation(Plan.Kind.CHECK, probe, snapshot, now);
    // With the store away the limits cannot be read: the answer says so, as a fail-open one does.
    Decision read = decideOrFailOpen(Plan.Kind.CHECK, probe, null, c, snapshot, now, 0, null);
    return new Decision(true, null, null, read.limits(), null, read.failOpen(), true);
  }

  /**
   * Settles a reservation with its actual cost, which replaces the estimate, and the meters named in
   * {@code actualMeters}, which replace what it reserved of them (requests at least 1: the call was
   * made). Idempotent.
   */
  public Settled commit(String reservationId, Money actualCost, Map<String, Long> actualMeters) {
    requireOpen();
    return settlements.commit(reservationId, actualCost, actualMeters);
  }

  /** Returns a reservation's holds and slot unused. Idempotent. */
  public Settled release(String reservationId) {
    requireOpen();
    return settlements.release(reservationId);
  }

  /**
   * The reservation held under {@code reservationId}, as the store holds it.
   *
   * @throws NotFoundException if none is held: never made, committed or released, or expired at the
   *     store's time (even if the store has not released it yet)
   * @throws ValidationException if {@code reservationId} cannot be a reservation id
   * @throws StoreUnavailableException if the store cannot answer
   */
  public Reservation reservation(String reservationId) {
    requireOpen();
    return settlements.held(reservationId);
  }

  /**
   * Every counter that applies to {@code subject} on its own, against its limit. Each limit's
   * {@link LimitStatus#allowed} says, for every kind alike, whether it would admit a call of one
   * request for the subject now that costs nothing and names no other meter: a rate limit at
   * exactly its limit does not, as a full concurrency cap does not, and a budget does until its
   * spend passes its limit (a read holds nothing against a budget, not even a per-request cap).
   *
   * @throws StoreUnavailableException if the store cannot answer, whatever the fail modes of the
   *     policies (a read has nothing to fail open to)
   */
  public List<LimitStatus> usage(Subject subject) {
    requireOpen();
    ValidationException.require(subject != null, "subject", "is required");
    QuotaRequest probe =
        new QuotaRequest(Map.of(subject.scope(), subject.id()), Money.ZERO, Map.of(RateLimit.REQUESTS, 1L), null, null);
    Instant now = clock.instant();
    PolicyIndex snapshot = index;
    // Compiled as a read, which holds nothing in budgets: not cached, as a check of the same
    // request, a call of unknown cost, holds the smallest per-request cap.
    List<Policy> policies = snapshot.resolve(probe.subjects(), now);
    Compiled template = PlanCompiler.compile(Plan.Kind.CHECK, probe, policies, snapshot, now, null, null, seedBudgets, true);
    // A read decides nothing, so no fail mode applies: a store that is down fails it as it is.
    return decideWith(Plan.Kind.CHECK, probe, null, template, policies, snapshot, now, 0, null, true).limits();
  }

  /**
   * The override that decides {@code subject}'s own limits now (those {@link #usage} lists), or
   * empty if its policy does: what someone reading its usage needs to know when limits differ from
   * the policy's, or are bypassed (listed in shadow mode: counted, never denying).
   */
  public Optional<dev.quota.admin.Override> overrideInForce(Subject subject) {
    // By the store's time (as this engine tells it), so that engines whose clocks disagree agree.
    ValidationException.require(subject != null, "subject", "is required");
    return Optional.ofNullable(index.overrideInForce(subject.scope(), subject.id(), clock.instant()));
  }

  public QuotaAdmin admin() {
    return admin;
  }

  public AlertHistory alertHistory() {
    return alertHistory;
  }

  public UsageLedger ledger() {
    return ledger;
  }

  public void addAlertHandler(AlertHandler handler) {
    ValidationException.require(handler != null, "handler", "is required");
    alerts.addHandler(handler);
  }

  /**
   * Waits until every alert fired so far is stored in the alert history and handed to the alert
   * handlers (tests, shutdown). Alerts are stored off the decision path, so a decision that crossed
   * a threshold may return before its alert can be queried. An alert waiting out a backoff after
   * the history refused it is tried again at once.
   *
   * @return false if {@code timeout} ran out first, e.g. while the history cannot be reached
   */
  public boolean drainAlerts(Duration timeout) throws InterruptedException {
    return alerts.drain(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Waits until the alerts fired before this call are stored in the alert history (and handed to
   * the handlers), so that a read of the history that follows the calls which fired them sees them;
   * alerts fired meanwhile are not waited for. {@link QuotaAdmin#alerts} waits so, up to {@link
   * QuotaAdmin#ALERT_READ_WAIT}, before it reads.
   *
   * @return false if {@code timeout} ran out first, e.g. while the history cannot be reached
   */
  public boolean awaitAlertsFiredSoFar(Duration timeout) throws InterruptedException {
    ValidationException.require(timeout != null, "timeout", "is required");
    return alerts.awaitQueuedSoFar(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Alerts fired but not yet stored in the alert history and handed to the handlers. */
  public int pendingAlerts() {
    return alerts.pending();
  }

  /**
   * Queues alerts an earlier engine fired but could not store (handed back by {@link
   * #closeKeepingAlerts}, or left in an {@link AlertJournal} by a process that died), to be stored
   * and handed to the handlers as if just fired. They are not counted as fired again. One already
   * stored is harmless to the history, which keeps the first of two appends of one id; a handler
   * that acts on the outside world must check whether it acted on it already.
   */
  public void resumeAlerts(List<Alert> unstored) {
    unstored.forEach(alerts::dispatch);
  }

  /**
   * Re-reads policies and overrides from the configuration repository (other processes may have
   * changed them). Reloads are serialized, so a slow reload can never install an older snapshot
   * over a newer one. A snapshot that names other budget counters than the one before (or the first
   * one) asks the repository since when the engines have kept them, recording its own take-up; if the
   * repository fails, the reload fails with it and the snapshot in force stays. A snapshot taken
   * before this engine could ever read the store's clock is dated by the store's at the first
   * reload that can read it, whether or not anything changed ({@link PolicyIndex#redated}).
   */
  public synchronized void reloadConfig() {
    List<Policy> policies = config.policies();
    List<dev.quota.admin.Override> overrides = config.overrides();
    // An unchanged configuration keeps its index: the plans compiled and prepared under it, and the
    // reservations held with its ops, stay valid. A server reloads every few seconds; a new index
    // each time would recompile every request and give each reservation an unshared shape.
    PolicyIndex current = index;
    boolean changed = current == null || !current.builtFrom(policies, overrides);
    if (!changed && current.storeAheadKnown()) {
      return;
    }
    long engineNow = clock.millis();
    OptionalLong storeNow = storeClock();
    if (changed) {
      boolean known = storeNow.isPresent() || (current != null && current.storeAheadKnown());
      long storeAhead = storeNow.isPresent() ? storeNow.getAsLong() - engineNow : current != null ? current.storeAheadMs() : 0;
      index = PolicyIndex.of(policies, overrides, current, engineNow + storeAhead, storeAhead, known, config);
    } else if (storeNow.isPresent()) {
      index = current.redated(storeNow.getAsLong(), storeNow.getAsLong() - engineNow, config);
    }
  }

  /**
   * The store's clock, to tell how far it runs ahead of this engine's (behind if negative). The store
   * dates each budget counter's last decision, and one decided on before the engines took up their
   * counters is caught up from the ledger, so that moment must be the store's: an engine clock
   * minutes off it would pass a counter behind the ledger for current. Empty if the store cannot be
   * reached: the reload then keeps what the snapshot in force measured (none at start) and goes on,
   * since policies must still apply while decisions follow their fail modes.
   */
  private OptionalLong storeClock() {
    try {
      return store.clockMs();
    } catch (StoreUnavailableException unreachable) {
      return OptionalLong.empty();
    }
  }

  /**
   * Stops the alert worker and closes the store and the ledger. Alerts not yet stored are dropped
   * and reported to {@link QuotaListener#onAlertDropped}; {@link #drainAlerts} first gives them time.
   * Owed charges are replayed once more if the store answers, and those it does not take are
   * reported to {@link QuotaListener#onOwedChargeDropped}. Decisions, settlements and reads made
   * afterwards (and prepared requests' calls the store cannot admit on its own) throw
   * {@link EngineClosedException}.
   */
  @java.lang.Override
  public void close() {
    closed = true;
    owed.close();
    alerts.close();
    closeBackends();
  }

  /**
   * Closes as {@link #close} does, but hands back the alerts not yet stored, oldest first, instead
   * of reporting them as dropped: the caller keeps them (a server writes them to its data directory)
   * and gives them to {@link #resumeAlerts} of a later engine. Otherwise the levels they were fired
   * for would never be alerted in their period, since the budget counters already marked them fired.
   */
  public List<Alert> closeKeepingAlerts() {
    closed = true;
    owed.close();
    List<Alert> unstored = alerts.stop();
    closeBackends();
    return unstored;
  }

  /**
   * Refuses a call made after {@link #close}. Its store and ledger are closed: a closed Redis store
   * reads as unreachable (so fail-open policies would admit without limit), and a closed ledger
   * refuses a row only after the store has charged it.
   *
   * @throws EngineClosedException if this engine is closed
   */
  void requireOpen() {
    if (closed) {
      throw new EngineClosedException();
    }
  }

  private void closeBackends() {
    if (ownPool != null) {
      ownPool.shutdown();
    }
    store.close();
    ledger.close();
  }

  private Decision decide(Plan.Kind kind, QuotaRequest request, String reservationId) {
    return decide(kind, request, reservationId, null);
  }

  /** @param charge the charge a recorded usage makes, which steps aside while it rebuilds a budget; else null */
  private Decision decide(
      Plan.Kind kind, QuotaRequest request, String reservationId, UnledgeredCharges.Charge charge) {
    long started = timed ? System.nanoTime() : 0;
    Instant now = clock.instant();
    PolicyIndex snapshot = index;
    return decide(kind, request, reservationId, charge, compilation(kind, request, snapshot, now), snapshot, now, started);
  }

  /** {@link #decide} of a request already compiled under {@code snapshot} at {@code now}; timed from {@code started}. */
  private Decision decide(
      Plan.Kind kind, QuotaRequest request, String reservationId, UnledgeredCharges.Charge charge,
      Compilation compilation, PolicyIndex snapshot, Instant now, long started) {
    Decision decision =
        decideOrFailOpen(kind, request, reservationId, compilation, snapshot, now, 0, charge);
    if (timed) {
      report(kind, decision, started);
    }
    return decision;
  }

  /**
   * {@link #decide} with the first store call made through {@link Store#applyAsync}. The common
   * answers (applied, replayed, conflict, store unavailable) are handled on whatever thread the
   * store completes on, which must not block (crossed thresholds only queue alerts); the rare ones
   * that read the ledger (seeding a lost budget, a new clock period) finish on {@link #blocking}.
   */
  private CompletionStage<Decision> decideAsync(Plan.Kind kind, QuotaRequest request, String reservationId) {
    long started = timed ? System.nanoTime() : 0;
    Instant now = clock.instant();
    PolicyIndex snapshot = index;
    Compilation compilation = compilation(kind, request, snapshot, now);
    Compiled c = PlanCache.withReservation(compilation.template(), reservationId);
    CompletableFuture<Decision> decided = new CompletableFuture<>();
    if (c.locallyDenied()) {
      // A per-request cap refuses outright; rare, and the caller's own thread may wait for the report.
      finishOffThread(
          decided, kind, started, () -> decideOrFailOpen(kind, request, reservationId, compilation, snapshot, now, 0, null));
      return decided;
    }
    CompletionStage<PlanResult> applied;
    try {
      applied = store.applyAsync(c.plan());
    } catch (RuntimeException e) {
      applied = CompletableFuture.failedFuture(e);
    }
    applied.whenComplete(
        (r, error) -> {
          if (error != null) {
            finish(decided, kind, started, () -> failOpenOrThrow(compilation.policies(), unwrap(error)));
            return;
          }
          owed.storeAnswered();
          if (r.status() == PlanResult.Status.APPLIED) {
            finish(decided, kind, started, () -> applied(c, r));
          } else if (r.status() == PlanResult.Status.REPLAYED) {
            finish(decided, kind, started, () -> toDecision(c, r, true));
          } else if (r.status() == PlanResult.Status.CONFLICT) {
            finish(decided, kind, started, () -> { throw conflict(request); });
          } else {
            // Nothing was applied; the synchronous attempts take over, off the store's thread.
            finishOffThread(
                decided, kind, started, () -> afterFirstAttempt(kind, request, reservationId, compilation, snapshot, now, c, r));
          }
        });
    return decided;
  }

  private Decision afterFirstAttempt(
      Plan.Kind kind, QuotaRequest request, String reservationId, Compilation compilation, PolicyIndex snapshot,
      Instant now, Compiled first, PlanResult r) {
    Instant next = now;
    switch (r.status()) {
      case PERIOD_MISMATCH -> next = Instant.ofEpochMilli(r.nowMs());
      case NEEDS_SEED -> seedAndCatchUp(first, r);
      default -> throw new IllegalStateException("unexpected store status " + r.status());
    }
    return decideOrFailOpen(kind, request, reservationId, compilation, snapshot, next, 1, null);
  }

  /** Where work that may block runs after an asynchronous decision (see {@link Builder#executor}). */
  Executor blockingExecutor() {
    return blocking;
  }

  /** {@link #finish} on the executor for work that may block; fails {@code decided} if it refuses the work. */
  private void finishOffThread(
      CompletableFuture<Decision> decided, Plan.Kind kind, long started, Supplier<Decision> decision) {
    try {
      blocking.execute(() -> finish(decided, kind, started, decision));
    } catch (RuntimeException refused) { // e.g. shut down with this engine
      decided.completeExceptionally(refused);
    }
  }

  /** Completes {@code decided} with what {@code decision} gives or throws, and reports the decision. */
  private void finish(CompletableFuture<Decision> decided, Plan.Kind kind, long started, Supplier<Decision> decision) {
    Decision d;
    try {
      d = decision.get();
    } catch (RuntimeException e) {
      decided.completeExceptionally(e);
      return;
    }
    if (timed) {
      report(kind, d, started);
    }
    decided.complete(d);
  }

  /**
   * Tells the listener of a decision made, timed from {@code started}, what denied it if it was,
   * and which shadow limits would have.
   */
  private void report(Plan.Kind kind, Decision d, long started) {
    String operation = OPERATION_NAMES[kind.ordinal()];
    listener.onDecision(operation, d.admitted(), System.nanoTime() - started);
    LimitStatus binding = d.admitted() ? null : d.binding();
    if (binding != null) {
      listener.onDenied(operation, binding.kind());
    }
    if (kind != Plan.Kind.RECORD) { // recorded usage is taken whatever its limits say
      for (LimitStatus l : d.limits()) {
        if (!l.allowed() && l.mode() == Mode.SHADOW) {
          listener.onShadowDenied(operation, l.kind());
        }
      }
    }
  }

  private static RuntimeException unwrap(Throwable error) {
    Throwable e = error;
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
  }

  /** The policies that apply to {@code request} now and its compilation, remembered or new. */
  private record Compilation(List<Policy> policies, Compiled template) {}

  private Compilation compilation(Plan.Kind kind, QuotaRequest request, PolicyIndex snapshot, Instant now) {
    int hash = PlanCache.hash(kind, request);
    PlanCache.Entry known = plans.find(hash, kind, request, snapshot, now.toEpochMilli());
    if (known != null) {
      return new Compilation(known.policies(), known.template());
    }
    if (kind == Plan.Kind.RESERVE) {
      // Checked where a request is compiled: a cached compilation's request passed already, and a
      // reservation then reads none of the request's meters, which would be cache misses.
      request.requireOneCall();
    }
    List<Policy> policies = snapshot.resolve(request.subjects(), now);
    String payload =
        kind == Plan.Kind.RESERVE
            ? new Payload(
                    request.subjects(), request.estimatedCost(), request.idempotencyKey(), SpendCurrency.of(policies),
                    request.meters())
                .encode()
            : null;
    Compiled template = PlanCompiler.compile(kind, request, policies, snapshot, now, null, payload, seedBudgets);
    plans.remember(hash, kind, request, snapshot, now.toEpochMilli(), policies, template);
    return new Compilation(policies, template);
  }

  private Decision decideOrFailOpen(
      Plan.Kind kind, QuotaRequest request, String reservationId, Compilation compilation, PolicyIndex snapshot,
      Instant now, int firstAttempt, UnledgeredCharges.Charge charge) {
    try {
      return decideWith(
          kind, request, reservationId, compilation.template(), compilation.policies(), snapshot, now, firstAttempt,
          charge, PlanCompiler.isRead(request));
    } catch (StoreUnavailableException e) {
      return failOpenOrThrow(compilation.policies(), e);
    }
  }

  private Decision decideWith(
      Plan.Kind kind, QuotaRequest request, String reservationId, Compiled template, List<Policy> policies,
      PolicyIndex snapshot, Instant now, int firstAttempt, UnledgeredCharges.Charge charge, boolean read) {
    for (int attempt = firstAttempt; attempt < MAX_ATTEMPTS; attempt++) {
      // An attempt after one the store did not apply reserves under an id of its own: on Redis
      // Cluster that attempt may have applied holds in some slots and taken them back, and the
      // store then refuses its id for good, so that a late copy of a taken-back step cannot apply.
      String id = attempt == 0 || kind != Plan.Kind.RESERVE ? reservationId : newId();
      // Later attempts run at the store's time, which the first compilation may not cover.
      Compiled c =
          attempt == 0
              ? PlanCache.withReservation(template, id)
              : PlanCompiler.compile(kind, request, policies, snapshot, now, id, template.plan().payload(), seedBudgets, read);
      // A per-request cap refuses outright: the counters are only read, to report them, and the
      // plan is never applied, not even on an attempt after a read the store did not answer
      // (another period began, a budget to rebuild): the store may apply it by then.
      boolean capped = c.locallyDenied() && kind != Plan.Kind.RECORD;
      PlanResult r = store.apply(capped ? capRead(c.plan()) : c.plan());
      owed.storeAnswered();
      switch (r.status()) {
        case APPLIED, REPLAYED -> {
          if (r.status() == PlanResult.Status.REPLAYED) {
            return toDecision(c, r, true);
          }
          return capped ? toDecision(c, r, false) : applied(c, r);
        }
        case CONFLICT -> throw conflict(request);
        case PERIOD_MISMATCH -> now = Instant.ofEpochMilli(r.nowMs());
        case NEEDS_SEED -> seedAside(charge, c, r);
        default -> throw new IllegalStateException("unexpected store status " + r.status());
      }
    }
    throw new StoreUnavailableException("store did not settle on a period after " + MAX_ATTEMPTS + " attempts", null);
  }

  /**
   * Rebuilds the budgets the store reported lost and catches up those it reported stale. A charge
   * of this decision's own steps aside meanwhile (the store applied nothing): both wait for the
   * charges in flight, and two waiting at once would wait for each other.
   */
  private void seedAside(UnledgeredCharges.Charge charge, Compiled c, PlanResult r) {
    if (charge == null) {
      seedAndCatchUp(c, r);
      return;
    }
    charge.applyingNothing();
    seedAndCatchUp(c, r);
    charge.applying();
  }

  private void seedAndCatchUp(Compiled c, PlanResult r) {
    if (!r.seedIndices().isEmpty() || r.staleBudgets().isEmpty()) {
      seeder.seed(c, r.seedIndices(), r.nowMs());
    }
    catchUp.catchUp(c, r.staleBudgets());
  }

  private Decision applied(Compiled c, PlanResult r) {
    Decision d = toDecision(c, r, true);
    budgetAlerts.fire(c, r);
    return d;
  }

  private static ConflictException conflict(QuotaRequest request) {
    return new ConflictException(
        "idempotencyKey", "was already used for a different request: '" + request.idempotencyKey() + "'");
  }

  /**
   * The read a request refused by a per-request cap makes instead of {@code p}. It keeps the
   * idempotency key, which a check only looks up: a retry of a reservation admitted under a higher
   * cap (on a server that had not taken up the lower one yet) gets the first admission's answer,
   * as after any other limit was lowered, while a key never admitted stays free.
   */
  private static Plan capRead(Plan p) {
    return new Plan(
        Plan.Kind.CHECK, p.ops(), p.reservationId(), p.ttlMs(), p.idempotencyKey(), p.fingerprint(), p.payload(),
        p.seedBudgets());
  }

  /** The fail-open decision if every enforcing policy allows it, else {@code error} rethrown. */
  private Decision failOpenOrThrow(List<Policy> policies, RuntimeException error) {
    if (!(error instanceof StoreUnavailableException e)) {
      throw error;
    }
    listener.onStoreError(e);
    for (Policy p : policies) {
      if (p.failMode() == FailMode.CLOSED && p.mode() == Mode.ENFORCE) {
        throw e.refusedFailClosed();
      }
    }
    listener.onFailOpen();
    return new Decision(true, null, null, List.of(), null, true, false);
  }

  private Decision toDecision(Compiled c, PlanResult r, boolean storeDecides) {
    boolean admitted = storeDecides && r.admitted();
    long retryAtMs = -1;
    boolean never = false;
    OpResults results = r.results();
    for (int i = 0; i < c.refs().size(); i++) {
      if (!results.allowed(i) && c.refs().get(i).policy().mode() == Mode.ENFORCE) {
        long retry = results.retryAtMs(i);
        if (retry < 0) {
          never = true;
        } else {
          retryAtMs = Math.max(retryAtMs, retry);
        }
      }
    }
    never |= c.locallyDenied();
    boolean reserved = admitted && c.plan().kind() == Plan.Kind.RESERVE;
    return new Decision(
        admitted,
        reserved ? (r.reservationId() != null ? r.reservationId() : c.plan().reservationId()) : null,
        reserved ? Instant.ofEpochMilli(r.expiresAtMs()) : null,
        new DecisionLimits(c, r),
        admitted || never || retryAtMs < 0 ? null : Instant.ofEpochMilli(retryAtMs),
        false,
        r.status() == PlanResult.Status.REPLAYED);
  }

  static String newId() {
    return Ids.newId();
  }

  /**
   * After a prepared fast-path admission that charged budgets: the ledger row, in {@code currency}
   * (that of the budgets charged, see {@link SpendCurrency}), and any alerts.
   */
  void charged(
      Map<String, String> subjects, Money estimatedCost, Map<String, Long> meters, String currency, Compiled c,
      AlertScratch.Crossings crossed) {
    ledger.append(
        new UsageEntry(newId(), clock.instant(), subjects, estimatedCost, meters, null, null, Money.ZERO, null, currency));
    if (crossed != null) {
      budgetAlerts.fire(c, crossed.fired(), crossed.used());
    }
  }

  /**
   * Resolves and compiles {@code request} once for repeated {@link PreparedRequest#tryAcquire()}
   * calls; see {@link PreparedRequest}.
   *
   * @throws ValidationException naming {@code idempotencyKey} if the request has one: a prepared
   *     request stands for many calls, and under one key every call after the first would replay
   *     the first admission and consume nothing
   */
  public PreparedRequest prepare(QuotaRequest request) {
    requireOpen();
    ValidationException.require(request != null, "request", "is required");
    ValidationException.require(
        request.idempotencyKey() == null, "idempotencyKey",
        "must not be given to a prepared request, which stands for many calls: each would replay the first");
    return PreparedRequest.of(this, request.requireOneCall());
  }

  /**
   * Now by the store's clock, as this engine tells it without asking the store: its own clock moved by
   * how far the store's ran ahead at the last reload that could read it (not moved if none could).
   * Overrides end by it, so that every engine sharing the store ends one at once.
   */
  public Instant storeTime() {
    return index.storeTime(clock.instant());
  }

  Clock clock() {
    return clock;
  }

  Store store() {
    return store;
  }

  PolicyIndex index() {
    return index;
  }

  /** Builds a {@link Quota}. Every part has an in-memory default. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Store store;
    private ConfigRepository config = new MemoryConfigRepository();
    private UsageLedger ledger = new MemoryLedger();
    private AlertHistory alertHistory = new MemoryAlertHistory();
    private AlertJournal alertJournal = AlertJournal.NONE;
    private QuotaListener listener = QuotaListener.NONE;
    private final List<AlertHandler> handlers = new ArrayList<>();
    private boolean seedBudgets = true;
    private Function<Policy, String> policyFormat = Policy::toString;
    private Executor executor;
    private int owedChargeBound = OwedCharges.BOUND;
    private boolean replayOwedChargesInBackground = true;
    private OwedUsageJournal owedUsageJournal = OwedUsageJournal.NONE;

    public Builder clock(Clock c) {
      ValidationException.require(c != null, "clock", "is required");
      this.clock = c;
      return this;
    }

    public Builder store(Store s) {
      this.store = s;
      return this;
    }

    public Builder config(ConfigRepository c) {
      ValidationException.require(c != null, "config", "is required");
      this.config = c;
      return this;
    }

    public Builder ledger(UsageLedger l) {
      ValidationException.require(l != null, "ledger", "is required");
      this.ledger = l;
      return this;
    }

    /**
     * Where fired alerts are kept (default in memory). Alerts are stored on a background thread, and
     * retried while the history refuses them, so a slow or failing history never delays or fails a
     * decision; see {@link AlertDispatcher}.
     */
    public Builder alertHistory(AlertHistory h) {
      ValidationException.require(h != null, "alertHistory", "is required");
      this.alertHistory = h;
      return this;
    }

    /**
     * Where each fired alert is noted until it is stored (default nowhere), so that a process that
     * dies first leaves it for the next to {@link Quota#resumeAlerts resume}; see {@link AlertJournal}.
     */
    public Builder alertJournal(AlertJournal j) {
      ValidationException.require(j != null, "alertJournal", "is required");
      this.alertJournal = j;
      return this;
    }

    /**
     * Where the ledger rows whose budget charges are owed to the store are noted until applied
     * (default nowhere), so that a process that dies first leaves them for the next to {@link
     * Quota#resumeOwedCharges resume}; see {@link OwedUsageJournal}.
     */
    public Builder owedUsageJournal(OwedUsageJournal j) {
      ValidationException.require(j != null, "owedUsageJournal", "is required");
      this.owedUsageJournal = j;
      return this;
    }

    public Builder alertHandler(AlertHandler h) {
      ValidationException.require(h != null, "alertHandler", "is required");
      handlers.add(h);
      return this;
    }

    public Builder listener(QuotaListener l) {
      ValidationException.require(l != null, "listener", "is required");
      this.listener = l;
      return this;
    }

    /** How policies are written into the audit trail (e.g. as API JSON). */
    public Builder policyFormat(Function<Policy, String> f) {
      ValidationException.require(f != null, "policyFormat", "is required");
      this.policyFormat = f;
      return this;
    }

    /** Whether budget counters a store lost are rebuilt from the ledger (default true). */
    public Builder seedBudgets(boolean seed) {
      this.seedBudgets = seed;
      return this;
    }

    /**
     * Where {@link Quota#checkAsync} and {@link Quota#reserveAsync} finish the rare work that may
     * block (seeding a lost budget from the ledger, a per-request cap's report),
     * so that a store's I/O thread never waits. Default: daemon threads made as needed.
     */
    public Builder executor(Executor e) {
      ValidationException.require(e != null, "executor", "is required");
      this.executor = e;
      return this;
    }

    /**
     * Whether owed charges are applied by a background thread once the store answers again
     * (default true). Without it only {@link Quota#replayOwedCharges} applies them: for tests that
     * order a replay among other calls.
     */
    public Builder replayOwedChargesInBackground(boolean background) {
      this.replayOwedChargesInBackground = background;
      return this;
    }

    /** How many owed charges wait at most (tests; default {@link OwedCharges#BOUND}). */
    Builder owedChargeBound(int bound) {
      this.owedChargeBound = bound;
      return this;
    }

    public Quota build() {
      return new Quota(this);
    }
  }
}
