package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.MemoryConfigRepository;
import dev.quota.ledger.MemoryLedger;
import dev.quota.store.MemoryStore;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A store forgets idempotency keys and settled reservations when it loses its data (a restarted
 * process, a flushed Redis); the ledger does not. A retry that arrives after such a loss must be
 * answered from the ledger: applied again it would count spend twice, and a changed retry must
 * still be refused.
 */
class RetryAfterStoreLossTest {
  private final MutableClock clock = Fixtures.clock();
  private final MemoryConfigRepository config = new MemoryConfigRepository();
  private final MemoryLedger ledger = new MemoryLedger();
  private final Quota before = engine();

  RetryAfterStoreLossTest() {
    before.admin().putPolicy(
        Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build(), ADMIN, "t");
  }

  /** A new process: fresh counters, the same durable configuration and ledger. */
  private Quota engine() {
    return Quota.builder().clock(clock).config(config).ledger(ledger).store(new MemoryStore(clock)).build();
  }

  private Quota restarted() {
    clock.advance(Duration.ofMinutes(1));
    return engine();
  }

  private static QuotaRequest usage(String cost, String key) {
    return QuotaRequest.builder().user("carol").estimatedCost(cost).idempotencyKey(key).build();
  }

  private static BigDecimal used(Quota q) {
    return q.usage(Subject.of("user", "carol")).get(0).usedAmount();
  }

  private int ledgerRows() {
    return ledger.entries(Map.of("user", "carol"), Instant.EPOCH, clock.instant().plusSeconds(1)).size();
  }

  @Test
  void usageRetriedAfterTheStoreLostItsKeysIsAReplayThatChargesNothing() {
    before.record(usage("0.30", "carol-u1"));
    Quota after = restarted();

    Decision retry = after.record(usage("0.30", "carol-u1"));

    assertThat(retry.replayed()).isTrue();
    assertThat(retry.admitted()).isTrue();
    assertThat(used(after)).isEqualByComparingTo("0.30");
    assertThat(ledgerRows()).isEqualTo(1);
    assertThat(after.record(usage("0.20", "carol-u2")).replayed()).isFalse(); // a new key is new usage
    assertThat(used(after)).isEqualByComparingTo("0.50");
  }

  @Test
  void aChangedRetryAfterTheStoreLostItsKeysIsRefusedAndChangesNothing() {
    before.record(usage("0.30", "carol-u1"));
    Quota after = restarted();

    assertThatThrownBy(() -> after.record(usage("0.50", "carol-u1")))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("idempotencyKey");
    assertThat(used(after)).isEqualByComparingTo("0.30");
    assertThat(ledgerRows()).isEqualTo(1);
  }

  @Test
  void aCommitRetriedAfterTheStoreLostTheReservationIsARepeat() {
    Decision d = before.reserve(QuotaRequest.builder().user("carol").estimatedCost("0.40").build());
    before.commit(d.reservationId(), Money.of("0.50"), Map.of("tokens", 900L));
    Quota after = restarted();

    Settled retry = after.commit(d.reservationId(), Money.of("0.50"), Map.of("tokens", 900L));

    assertThat(retry.repeated()).isTrue();
    assertThat(retry.held()).isEqualTo(Money.of("0.40")); // the charge less its overrun of 0.10
    assertThat(retry.overrun()).isEqualTo(Money.of("0.10"));
    assertThat(used(after)).isEqualByComparingTo("0.50");
    assertThat(ledgerRows()).isEqualTo(1);
    assertThatThrownBy(() -> after.commit(d.reservationId(), Money.of("0.60"), Map.of("tokens", 900L)))
        .isInstanceOf(ConflictException.class);
    assertThatThrownBy(() -> after.release(d.reservationId())).isInstanceOf(ConflictException.class);
    assertThat(used(after)).isEqualByComparingTo("0.50");
    assertThat(ledgerRows()).isEqualTo(1);
  }

  @Test
  void aCommitRepeatedFromTheLedgerUnderItsEstimateReportsTheChargeAsHeld() {
    Decision d = before.reserve(QuotaRequest.builder().user("carol").estimatedCost("0.40").build());
    assertThat(before.commit(d.reservationId(), Money.of("0.30"), Map.of()).held()).isEqualTo(Money.of("0.40"));
    Quota after = restarted();

    Settled retry = after.commit(d.reservationId(), Money.of("0.30"), Map.of());

    // The ledger keeps the charge and its overrun, not the estimate (as the README says).
    assertThat(retry.repeated()).isTrue();
    assertThat(retry.held()).isEqualTo(Money.of("0.30"));
    assertThat(retry.overrun()).isEqualTo(Money.ZERO);
  }

  @Test
  void aReservationLostWithTheStoreIsUnknownAndSaysHowToRecordItsCost() {
    Decision d = before.reserve(QuotaRequest.builder().user("carol").estimatedCost("0.40").build());
    Quota after = restarted();

    assertThatThrownBy(() -> after.commit(d.reservationId(), Money.of("0.30"), Map.of()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("lost with the counter store's data")
        .hasMessageContaining("record the call's cost as usage");
    assertThat(ledgerRows()).isZero();
  }
}
