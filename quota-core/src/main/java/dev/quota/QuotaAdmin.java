package dev.quota;

import dev.quota.admin.AuditAction;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.AuditText;
import dev.quota.admin.ConfigRepository;
import dev.quota.admin.Override;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertPosition;
import dev.quota.internal.TimeZones;
import dev.quota.plan.CounterKeys;
import dev.quota.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Administrative powers: policies, overrides and counter resets. Every action names its actor and
 * reason and is written to the audit trail together with the change (one transaction in a durable
 * repository), with the state before and after.
 *
 * <p>Every action checks all of its input before it changes anything ({@link ValidationException}
 * naming the field): a refused action is never saved, never half applied, and never leaves behind
 * a stored change that the engine cannot load. A policy or override is bound only to a selector
 * whose identifiers neither begin nor end with whitespace; one stored before that rule still
 * applies, and can be read and deleted by its selector ({@link Selector#parseStored}).
 *
 * <p>A change is stored, then applied: the engine reloads its configuration from the repository.
 * A change that returns is stored and audited whether or not that reload succeeded, so a failed
 * reload never fails it; the {@link Change} it returns says whether the engine applied it already,
 * and {@link QuotaListener#onChangeNotApplied} hears of one it did not.
 */
public final class QuotaAdmin {
  /** The longest {@link #alerts} waits for the alerts fired before it to be stored. */
  public static final Duration ALERT_READ_WAIT = Duration.ofSeconds(1);

  private final Quota quota;
  private final ConfigRepository config;
  private final Store store;
  private final Clock clock;
  private final Function<Policy, String> format;
  private final QuotaListener listener;

  QuotaAdmin(
      Quota quota, ConfigRepository config, Store store, Clock clock, Function<Policy, String> format,
      QuotaListener listener) {
    this.quota = quota;
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.format = format;
    this.listener = listener;
  }

  public List<Policy> policies() {
    return config.policies();
  }

  public Optional<Policy> policy(Selector selector) {
    return config.policy(selector);
  }

  /**
   * Creates or replaces the policy bound to {@code policy.selector()}. Whether it created
   * ({@code policy.create}) or replaced ({@code policy.update}), and the state before, are what the
   * repository found in the same atomic step as its write, so a policy another admin stored
   * meanwhile, here or on another server, is recorded as replaced.
   *
   * @return the change, whose result is the policy replaced, empty if the selector had none
   */
  public Change<Optional<Policy>> putPolicy(Policy policy, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(policy != null, "policy", "is required");
    policy.selector().requireUnpadded();
    requireZoneAccepted(policy);
    String selector = policy.selector().toString();
    String after = format.apply(policy);
    Instant now = clock.instant();
    Optional<Policy> replaced = config.putPolicy(policy, before -> entry(
        now, actor, before.isEmpty() ? AuditAction.POLICY_CREATE : AuditAction.POLICY_UPDATE, selector, before.map(format).orElse(null),
        after, reason));
    return applied(replaced);
  }

  /**
   * Replaces the policy bound to {@code policy.selector()} only if the selector has one and
   * {@code expected} accepts it. The test is made on the policy the repository reads in the same
   * atomic step as its write, so of two admins replacing the version both saw, here or on
   * different servers, the second is tested on the policy the first one stored.
   *
   * @return the change, whose result is the policy replaced
   * @throws PolicyMismatchException with the policy found (empty if none) when the selector has no
   *     policy or {@code expected} refuses it; nothing is stored and nothing is audited
   */
  public Change<Policy> replacePolicy(Policy policy, Predicate<Policy> expected, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(policy != null, "policy", "is required");
    ValidationException.require(expected != null, "expected", "is required");
    policy.selector().requireUnpadded();
    requireZoneAccepted(policy);
    Selector selector = policy.selector();
    String after = format.apply(policy);
    Instant now = clock.instant();
    Policy replaced = config.putPolicy(policy, before -> {
      // Thrown inside the repository's atomic step, so the write it would make never happens.
      if (before.isEmpty() || !expected.test(before.get())) {
        throw new PolicyMismatchException(selector, before);
      }
      return entry(now, actor, AuditAction.POLICY_UPDATE, selector.toString(), format.apply(before.get()), after, reason);
    }).orElseThrow();
    return applied(replaced);
  }

  /**
   * Creates the policy bound to {@code policy.selector()}, only if that selector has none. The
   * repository checks and writes in one atomic step, so a policy created meanwhile by another
   * admin, here or on another server, is never replaced: of two racing creates exactly one
   * succeeds and the other is refused.
   *
   * @throws ConflictException naming {@code selector} if a policy is already bound to it; nothing
   *     is stored and nothing is audited
   */
  public Change<Void> createPolicy(Policy policy, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(policy != null, "policy", "is required");
    policy.selector().requireUnpadded();
    requireZoneAccepted(policy);
    Selector selector = policy.selector();
    AuditEntry audit = entry(clock.instant(), actor, AuditAction.POLICY_CREATE, selector.toString(), null, format.apply(policy), reason);
    if (!config.createPolicy(policy, audit)) {
      throw new ConflictException("selector", "a policy for " + selector + " already exists");
    }
    return applied(null);
  }

  /**
   * Deletes the policy bound to {@code selector}; throws {@link NotFoundException} if there is none.
   * The state before is the policy the repository deleted, read in the same atomic step.
   */
  public Change<Void> deletePolicy(Selector selector, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(selector != null, "selector", "is required");
    Instant now = clock.instant();
    if (config.deletePolicy(selector, before ->
        entry(now, actor, AuditAction.POLICY_DELETE, selector.toString(), format.apply(before), null, reason)).isEmpty()) {
      throw new NotFoundException("no policy for " + selector);
    }
    return applied(null);
  }

  /**
   * Deletes the policy bound to {@code selector} only if {@code expected} accepts it, tested on the
   * policy the repository deletes, read in the same atomic step, as {@link #replacePolicy} tests.
   *
   * @return the change, whose result is the policy deleted
   * @throws PolicyMismatchException with the policy found (empty if none) when the selector has no
   *     policy or {@code expected} refuses it; nothing is deleted and nothing is audited
   */
  public Change<Policy> deletePolicy(Selector selector, Predicate<Policy> expected, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(selector != null, "selector", "is required");
    ValidationException.require(expected != null, "expected", "is required");
    Instant now = clock.instant();
    Policy deleted = config.deletePolicy(selector, before -> {
      if (!expected.test(before)) {
        throw new PolicyMismatchException(selector, Optional.of(before));
      }
      return entry(now, actor, AuditAction.POLICY_DELETE, selector.toString(), format.apply(before), null, reason);
    }).orElseThrow(() -> new PolicyMismatchException(selector, Optional.empty()));
    return applied(deleted);
  }

  /** Now by the store's time, by which overrides end ({@link Quota#storeTime}). */
  public Instant storeTime() {
    return quota.storeTime();
  }

  public List<Override> overrides() {
    return config.overrides();
  }

  /**
   * Temporarily replaces the limits of {@code selector} with {@code replacement}, or bypasses them
   * when {@code replacement} is null, until {@code expiresAt} in the store's time ({@link
   * Quota#storeTime}), by which every engine sharing the store ends it. Bypassed limits still count,
   * in shadow mode: they never deny, but the spend made meanwhile stays in the budgets. Its {@code
   * createdAt} and audit entry are dated by this engine's clock, as every admin action is. {@code
   * actor} comes before {@code reason}, as in every admin method.
   *
   * @throws ValidationException before anything is saved: {@code expiresAt} not after now by the
   *     store's time (it would never be in force) or by this engine's clock (it would end before its
   *     {@code createdAt}), or more than {@link Override#MAX_LIFETIME} after now by the store's time;
   *     a missing reason; a reason or actor that breaks the rules of {@link AuditText}; a selector
   *     whose identifier begins or ends with whitespace
   */
  public Change<Override> createOverride(
      Selector selector, Policy replacement, Instant expiresAt, String actor, String reason) {
    AuditText.requireActor("actor", actor);
    AuditText.requireGivenReason("reason", reason);
    Instant now = clock.instant();
    requireExpiry(expiresAt, now, quota.index().storeTime(now));
    return createOverride(selector, replacement, expiresAt, now, actor, reason);
  }

  /**
   * As {@link #createOverride(Selector, Policy, Instant, String, String)}, until {@code lasting}
   * after now by the store's time: the override's {@code createdAt}, its audit entry's time and the
   * start of {@code lasting} are one reading of the clock, so it lasts exactly that long from its
   * creation on every engine.
   *
   * @throws ValidationException before anything is saved: {@code lasting} not positive, longer
   *     than {@link Override#MAX_LIFETIME}, or no longer than this engine's clock runs ahead of the
   *     store's (it would end before its {@code createdAt}); and as the other form throws
   */
  public Change<Override> createOverrideLasting(
      Selector selector, Policy replacement, Duration lasting, String actor, String reason) {
    AuditText.requireActor("actor", actor);
    AuditText.requireGivenReason("reason", reason);
    ValidationException.require(lasting != null, "duration", "is required");
    ValidationException.require(
        !lasting.isNegative() && !lasting.isZero() && lasting.compareTo(Override.MAX_LIFETIME) <= 0,
        "duration",
        "must be positive and at most " + Override.MAX_LIFETIME.toDays() + " days (about 10 years)");
    Instant now = clock.instant();
    Instant expiresAt = quota.index().storeTime(now).plus(lasting);
    ValidationException.require(
        expiresAt.isAfter(now), "duration", "must be longer than this server's clock runs ahead of the store's ("
            + Duration.between(quota.index().storeTime(now), now) + ")");
    return createOverride(selector, replacement, expiresAt, now, actor, reason);
  }

  private Change<Override> createOverride(
      Selector selector, Policy replacement, Instant expiresAt, Instant now, String actor, String reason) {
    ValidationException.require(selector != null, "selector", "is required");
    selector.requireUnpadded();
    if (replacement != null) {
      requireZoneAccepted(replacement);
    }
    Override o =
        new Override(Quota.newId(), selector, replacement, replacement == null, expiresAt, reason, actor, now);
    String after = (o.bypass() ? "bypass" : format.apply(replacement)) + " until " + expiresAt;
    config.putOverride(o, entry(now, actor, AuditAction.OVERRIDE_CREATE, selector.toString() + " #" + o.id(), null, after, reason));
    return applied(o);
  }

  public Change<Void> revokeOverride(String id, String actor, String reason) {
    requireActorAndReason(actor, reason);
    Override o =
        config.overrides().stream().filter(x -> x.id().equals(id)).findFirst()
            .orElseThrow(() -> new NotFoundException("no override " + id));
    String before = (o.bypass() ? "bypass" : format.apply(o.replacement())) + " until " + o.expiresAt();
    if (!config.deleteOverride(id, entry(clock.instant(), actor, AuditAction.OVERRIDE_REVOKE, o.selector() + " #" + id, before, null, reason))) {
      throw new NotFoundException("no override " + id);
    }
    return applied(null);
  }

  /**
   * Clears every counter of {@code subject}: windows, budgets in the store (not the ledger) and
   * slots. Reservations made before then no longer count against the subject: settling them later
   * records their cost in the ledger but changes none of its new counters. Counters of a pair the
   * subject is part of (e.g. a user's use of one tool) are not the subject's own and stay.
   *
   * <p>The reset is durable: its time is stored with the audit entry, and a budget the store later
   * loses is rebuilt from the ledger's spend since then only. Both are stored before any counter is
   * touched, so a repository that refuses them refuses the reset and nothing changes; a store that
   * then cannot be reached fails the call, which may be repeated.
   */
  public void resetSubject(Subject subject, String actor, String reason) {
    requireActorAndReason(actor, reason);
    ValidationException.require(subject != null, "subject", "is required");
    AuditEntry audit = entry(clock.instant(), actor, AuditAction.SUBJECT_RESET, subject.toString(), null, null, reason);
    config.putSubjectReset(subject, resetTime(audit.at()), audit);
    store.reset(CounterKeys.subjectOf(subject));
  }

  /**
   * When a reset made now starts its subject's spend anew, as a budget rebuilt from the ledger
   * counts it: by the store's clock, which dates the ledger's rows, read just before the store
   * resets (spend in between is forgiven by the store, yet counted by a rebuild: the error errs
   * towards denial). A store that cannot be reached will refuse the reset that follows; its
   * durable mark then keeps the engine's time, {@code engineNow}.
   */
  private Instant resetTime(Instant engineNow) {
    try {
      OptionalLong storeNow = store.clockMs();
      return storeNow.isPresent() ? Instant.ofEpochMilli(storeNow.getAsLong()) : engineNow;
    } catch (StoreUnavailableException unreachable) {
      return engineNow;
    }
  }

  public List<AuditEntry> audit(AuditQuery query) {
    ValidationException.require(query != null, "query", "is required");
    return config.audit(query);
  }

  /**
   * The alerts of the history, newest first: see {@link AlertHistory#query}. Alerts are stored off
   * the decision path; this first waits, up to {@link #ALERT_READ_WAIT}, for those this engine
   * fired before the call to be stored, so a read that follows the usage which crossed a threshold
   * lists its alert.
   */
  public List<Alert> alerts(String subject, String policy, Instant from, Instant to, int offset, int limit) {
    awaitAlertsFiredSoFar();
    return quota.alertHistory().query(subject, policy, from, to, offset, limit);
  }

  /**
   * The alerts after {@code after} (null: from the newest), newest first: see {@link
   * AlertHistory#queryAfter}; waits first as {@link #alerts} does.
   */
  public List<Alert> alertsAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
    awaitAlertsFiredSoFar();
    return quota.alertHistory().queryAfter(subject, policy, from, to, after, limit);
  }

  /**
   * Bounded: with the history unreachable the read answers from what it holds (or fails as the
   * history does) rather than wait for alerts it cannot store.
   */
  private void awaitAlertsFiredSoFar() {
    try {
      quota.awaitAlertsFiredSoFar(ALERT_READ_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // read what is stored; the caller's thread keeps its interrupt
    }
  }

  /**
   * Reloads the engine after a change the repository stored. A reload that fails does not undo the
   * change or make it less stored: answering it as failed would have its caller send it again
   * (refused as a conflict, or as a precondition that no longer holds) or give it up.
   */
  private <T> Change<T> applied(T result) {
    try {
      quota.reloadConfig();
      return new Change<>(result, null);
    } catch (RuntimeException reloadFailure) {
      listener.onChangeNotApplied(reloadFailure);
      return new Change<>(result, reloadFailure);
    }
  }

  /** An audit entry of an action at {@code at}: the one reading of the clock the action dates everything by. */
  private static AuditEntry entry(
      Instant at, String actor, AuditAction action, String target, String before, String after, String reason) {
    return new AuditEntry(0, at, actor, action.wireName(), target, before, after, AuditText.recorded(reason));
  }

  /**
   * A budget's zone as the HTTP API and the configuration file take it ({@link TimeZones}): a
   * Budget built from any {@code ZoneId} must not store a legacy zone those refuse. Policies read
   * back from the repository are not checked here, so ones stored by earlier versions keep loading.
   */
  private static void requireZoneAccepted(Policy policy) {
    if (policy.budget() != null) {
      TimeZones.requireAccepted("budget.timezone", policy.budget().zone());
    }
  }

  private static void requireActorAndReason(String actor, String reason) {
    AuditText.requireActor("actor", actor);
    AuditText.requireReason("reason", reason);
  }

  /**
   * An override is in force until {@code expiresAt} by the store's time, so one not after the store's
   * present would never be; and its {@code createdAt} is this engine's clock, which it must end after.
   */
  private static void requireExpiry(Instant expiresAt, Instant now, Instant storeNow) {
    ValidationException.require(expiresAt != null, "expiresAt", "is required");
    ValidationException.require(expiresAt.isAfter(storeNow), "expiresAt", "must be in the future");
    ValidationException.require(
        expiresAt.isAfter(now), "expiresAt",
        "must be after now by this server's clock, which runs ahead of the store's (" + now + ")");
    ValidationException.require(
        !expiresAt.isAfter(storeNow.plus(Override.MAX_LIFETIME)),
        "expiresAt",
        "must be at most " + Override.MAX_LIFETIME.toDays() + " days (about 10 years) from now");
  }
}
