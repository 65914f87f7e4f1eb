package dev.quota.admin;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Durable configuration: policies, overrides, subject resets, the audit trail, and since when the
 * engines have kept the budget counters the policies name. Every change takes the audit entry that
 * describes it (a put or a delete of a policy, a function that makes it from the policy replaced),
 * and a repository stores both in one transaction, so the trail can never miss a change nor
 * describe one that did not happen.
 *
 * <p>{@link MemoryConfigRepository} here; the JDBC one in {@code quota-jdbc}.
 */
public interface ConfigRepository {
  List<Policy> policies();

  Optional<Policy> policy(Selector selector);

  /**
   * Stores {@code policy} (a new version if one exists) and the audit entry describing the change,
   * atomically. What it replaces is read in the same atomic step as the write, so of concurrent
   * writes of one selector, from any number of processes, each finds what the one before it left
   * (of puts of a free selector, only the first finds none).
   *
   * @param audit makes the entry from the policy replaced: empty if the selector had none, or only
   *     a stored policy this repository cannot read. It may be called more than once (a repository
   *     that lost a race for the selector reads it again); the entry of the last call is stored. If
   *     it throws, nothing is stored and the exception propagates: it runs inside the atomic step,
   *     so a caller can refuse the write on what it replaces (a conditional write) without a race.
   * @return the policy replaced, as given to {@code audit}
   */
  Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit);

  /**
   * Stores {@code policy} and {@code audit} only if no policy is bound to its selector: the check
   * and the write are one atomic step (in a database, an insert the selector's key refuses), so of
   * concurrent creates of one selector, from any number of processes, exactly one succeeds.
   *
   * @return true if created; false if the selector already had a policy, in which case nothing,
   *     not even {@code audit}, is stored
   */
  boolean createPolicy(Policy policy, AuditEntry audit);

  /**
   * Deletes the policy bound to {@code selector} and stores the audit entry {@code audit} makes of
   * it, atomically. The policy deleted is read in the same atomic step, as {@link #putPolicy} reads
   * what it replaces, and {@code audit} may likewise be called more than once; if it throws,
   * nothing is deleted or stored and the exception propagates.
   *
   * @return the policy deleted; empty if there was none (or only one this repository cannot read,
   *     which stays until a put replaces it), in which case nothing is stored
   */
  Optional<Policy> deletePolicy(Selector selector, Function<Policy, AuditEntry> audit);

  List<Override> overrides();

  void putOverride(Override override, AuditEntry audit);

  boolean deleteOverride(String id, AuditEntry audit);

  /**
   * Records that every counter of {@code subject} was reset at {@code at} (the engine's clock), and
   * {@code audit}, atomically. A subject keeps only its latest reset: an {@code at} before the one
   * stored leaves the mark as it was (the audit entry is recorded all the same).
   */
  void putSubjectReset(Subject subject, Instant at, AuditEntry audit);

  /**
   * When the counters of {@code subject} were last reset, if ever. A budget rebuilt from the ledger
   * counts only the spend since then: the ledger keeps what was forgiven, for reports.
   */
  Optional<Instant> subjectReset(Subject subject);

  List<AuditEntry> audit(AuditQuery query);

  /**
   * Since when (the engine's clock, epoch milliseconds) the engines sharing this repository have
   * counted budgets in the set of budget counters that {@code fingerprint} names, recording that the
   * caller takes that set up at {@code nowMs}. An engine rebuilds from the ledger a missing budget
   * counter of a period begun before then: spend charged earlier in the period went to counters of
   * another name. The repository keeps one set, the latest taken up, in one atomic step however
   * many processes call at once:
   *
   * <ul>
   *   <li>another set recorded, or none: {@code fingerprint} replaces it, since {@code nowMs};
   *   <li>this set recorded, the caller coming from another ({@code leavingAnother}: it counted
   *       under that one until now): the later of the time recorded and {@code nowMs}, recorded;
   *   <li>this set recorded, the caller counting under none before (it just started): the time
   *       recorded, so a restart keeps it.
   * </ul>
   *
   * <p>A time later than true only costs ledger reads, an earlier one leaves spend out of a budget,
   * hence the later of two: an engine that takes a set up after another still counted under the
   * old set meanwhile, and a restart must rebuild what it charged there.
   *
   * @return the time recorded for {@code fingerprint} after the call
   */
  long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother);

  /**
   * Records that the engines have kept the budget counters of {@code fingerprint} since
   * {@code storeNowMs}, whatever was recorded: called by an engine that took the set up before it
   * could ever read the store's clock (so dated it by its own) once it reads {@code storeNowMs} there.
   * That engine reached no counter meanwhile, and every engine's take-up happened by then, so the
   * store's present is late enough; a time it replaces may be later still, but only by lying in the
   * store's future, where it would stamp the counters caught up into that future and let a later
   * take-up, truly dated, pass them for current.
   *
   * @return the time recorded, {@code storeNowMs}
   */
  long budgetCountersRedated(String fingerprint, long storeNowMs);
}
