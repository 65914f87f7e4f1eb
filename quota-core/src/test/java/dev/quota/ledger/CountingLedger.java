package dev.quota.ledger;

import dev.quota.MoneyTotal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ledger that counts the reads of spend a budget is rebuilt from ({@link #spent}), so a test can
 * tell whether a decision rebuilt a budget. Everything, closing included, goes to the ledger it wraps.
 */
public final class CountingLedger implements UsageLedger {
  private final UsageLedger ledger;
  private final AtomicInteger spentReads = new AtomicInteger();

  public CountingLedger(UsageLedger ledger) {
    this.ledger = ledger;
  }

  /** How many times {@link #spent} was asked since the last call, and starts counting afresh. */
  public int takeSpentReads() {
    return spentReads.getAndSet(0);
  }

  @java.lang.Override
  public void append(UsageEntry entry) {
    ledger.append(entry);
  }

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    spentReads.incrementAndGet();
    return ledger.spent(subjects, from, to);
  }

  @java.lang.Override
  public List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    return ledger.entries(subjects, from, to);
  }

  @java.lang.Override
  public Optional<UsageEntry> withIdempotencyKey(String idempotencyKey) {
    return ledger.withIdempotencyKey(idempotencyKey);
  }

  @java.lang.Override
  public Optional<UsageEntry> withReservationId(String reservationId) {
    return ledger.withReservationId(reservationId);
  }

  @java.lang.Override
  public void close() {
    ledger.close();
  }
}
