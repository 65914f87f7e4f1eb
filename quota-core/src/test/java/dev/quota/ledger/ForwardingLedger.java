package dev.quota.ledger;

import dev.quota.MoneyTotal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A ledger that passes every call, closing included, to the one it wraps. A test's ledger extends
 * it and overrides only the calls it counts, watches or holds, calling {@code super} to pass them on.
 */
public abstract class ForwardingLedger implements UsageLedger {
  private final UsageLedger delegate;

  protected ForwardingLedger(UsageLedger delegate) {
    this.delegate = delegate;
  }

  @java.lang.Override
  public void append(UsageEntry entry) {
    delegate.append(entry);
  }

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    return delegate.spent(subjects, from, to);
  }

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
    return delegate.spent(subjects, currency, from, to);
  }

  @java.lang.Override
  public List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    return delegate.entries(subjects, from, to);
  }

  @java.lang.Override
  public Optional<UsageEntry> withIdempotencyKey(String idempotencyKey) {
    return delegate.withIdempotencyKey(idempotencyKey);
  }

  @java.lang.Override
  public Optional<UsageEntry> withReservationId(String reservationId) {
    return delegate.withReservationId(reservationId);
  }

  @java.lang.Override
  public void close() {
    delegate.close();
  }
}
