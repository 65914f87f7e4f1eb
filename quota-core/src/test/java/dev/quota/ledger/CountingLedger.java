package dev.quota.ledger;

import dev.quota.MoneyTotal;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ledger that counts the reads of spend a budget is seeded from ({@link #spent(Map, String,
 * Instant, Instant)}), so a test can tell whether a decision rebuilt a budget. Everything, closing
 * included, goes to the ledger it wraps.
 */
public final class CountingLedger extends ForwardingLedger {
  private final AtomicInteger spentReads = new AtomicInteger();

  public CountingLedger(UsageLedger ledger) {
    super(ledger);
  }

  /** How many times a budget's spend was asked since the last call, and starts counting afresh. */
  public int takeSpentReads() {
    return spentReads.getAndSet(0);
  }

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
    spentReads.incrementAndGet();
    return super.spent(subjects, currency, from, to);
  }
}
