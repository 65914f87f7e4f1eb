package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * An engine used after it was closed refuses, saying so, rather than deciding on a closed store
 * (which a Redis store reports as unreachable, so fail-open policies would admit every call) or
 * charging a store whose closed ledger then refuses the row.
 */
class ClosedEngineTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  @Test
  void everyDecisionSettlementAndReadAfterCloseIsRefused() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1))
        .budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    Decision held = quota.reserve(Fixtures.userCost("u", "0.1"));
    PreparedRequest prepared = quota.prepare(Fixtures.userCost("u", "0.1"));
    int rows = quota.ledger().entries(Map.of("user", "u"), Instant.EPOCH, Instant.MAX).size();

    quota.close();

    refused(() -> quota.check(Fixtures.user("u")));
    refused(() -> quota.reserve(Fixtures.user("u")));
    refused(() -> quota.checkAsync(Fixtures.user("u")));
    refused(() -> quota.reserveAsync(Fixtures.user("u")));
    refused(() -> quota.record(Fixtures.userCost("u", "0.2")));
    refused(() -> quota.commit(held.reservationId(), Money.of("0.1"), null));
    refused(() -> quota.release(held.reservationId()));
    refused(() -> quota.reservation(held.reservationId()));
    refused(() -> quota.usage(Subject.of("user", "u")));
    refused(() -> quota.prepare(Fixtures.user("u")));
    refused(prepared::tryAcquire);
    refused(() -> new QuotaGuard(quota).call(Fixtures.user("u"), () -> "ran", r -> QuotaGuard.Usage.of(Money.ZERO)));
    assertThat(quota.ledger().entries(Map.of("user", "u"), Instant.EPOCH, Instant.MAX)).hasSize(rows);
  }

  private static void refused(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(EngineClosedException.class).hasMessageContaining("engine is closed");
  }
}
