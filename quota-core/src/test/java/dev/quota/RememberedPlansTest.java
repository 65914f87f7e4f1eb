package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The engine remembers the compilation of a request it has seen; one request object is reused
 * here, so every decision after the first would run a remembered plan if it still applied.
 */
class RememberedPlansTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);
  private final QuotaRequest request = Fixtures.userCost("u", "1");

  private int reserved(QuotaRequest r, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      n += quota.reserve(r).admitted() ? 1 : 0;
    }
    return n;
  }

  @Test
  void aPolicyChangeAppliesToTheNextDecision() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1)).build(), ADMIN, "t");
    assertThat(reserved(request, 3)).isEqualTo(2);
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofHours(1)).build(), ADMIN, "raise");
    assertThat(reserved(request, 5)).isEqualTo(3);
  }

  @Test
  void anOverrideStopsApplyingAtItsExpiry() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1)).build(), ADMIN, "t");
    assertThat(reserved(request, 3)).isEqualTo(2);
    quota.admin().createOverride(Selector.parse("user:u"), null, clock.instant().plusSeconds(10), ADMIN, "bypass");
    assertThat(reserved(request, 5)).isEqualTo(5);
    clock.advance(Duration.ofSeconds(9));
    assertThat(reserved(request, 1)).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    // Remembered under the override, the plan would admit again; the policy's window is full.
    assertThat(reserved(request, 3)).isZero();
  }

  @Test
  void aNewBudgetPeriodChargesTheNewPeriod() {
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("2"), null, null)).build(), ADMIN, "t");
    assertThat(reserved(request, 3)).isEqualTo(2);
    clock.advance(Duration.ofDays(1));
    assertThat(reserved(request, 3)).isEqualTo(2);
    LimitStatus day = quota.usage(Subject.of("user", "u")).get(0);
    assertThat(day.resetAt()).isEqualTo(Instant.parse("2026-06-17T00:00:00Z"));
    assertThat(day.used()).isEqualTo(Money.of("2").nanos());
  }

  @Test
  void equalRequestsShareAPlanAndDifferentOnesDoNot() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(3, Duration.ofHours(1)).build(), ADMIN, "t");
    assertThat(reserved(Fixtures.userCost("u", "1"), 2)).isEqualTo(2);
    assertThat(reserved(Fixtures.userCost("u", "1"), 2)).isEqualTo(1);
    assertThat(reserved(Fixtures.userCost("v", "1"), 4)).isEqualTo(3);
    QuotaRequest two = QuotaRequest.builder().user("w").meter(RateLimit.REQUESTS, 2).build();
    assertThat(reserved(two, 2)).isEqualTo(1);
    assertThat(reserved(Fixtures.user("w"), 2)).isEqualTo(1);
  }

  @Test
  void aReloadThatFindsNothingNewKeepsWhatWasCompiled() {
    dev.quota.admin.MemoryConfigRepository config = new dev.quota.admin.MemoryConfigRepository();
    Quota shared = Quota.builder().clock(clock).config(config).build();
    shared.admin().putPolicy(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1)).build(), ADMIN, "t");
    var index = shared.index();
    shared.reloadConfig();
    assertThat(shared.index()).isSameAs(index);

    // Another process changes the shared configuration: the next reload takes it.
    config.putPolicy(
        Policy.builder("user:*").rateLimit(3, Duration.ofHours(1)).build(),
        replaced -> new dev.quota.admin.AuditEntry(0, clock.instant(), ADMIN, "policy.update", "user:*", null, null, "raise"));
    shared.reloadConfig();
    assertThat(shared.index()).isNotSameAs(index);
    assertThat(reservedOn(shared, 4)).isEqualTo(3);
  }

  private static int reservedOn(Quota q, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      n += q.reserve(Fixtures.user("u")).admitted() ? 1 : 0;
    }
    return n;
  }

  @Test
  void aReservationsIdIsItsOwnEachTime() {
    Decision a = quota.reserve(request);
    Decision b = quota.reserve(request);
    assertThat(a.reservationId()).isNotNull().isNotEqualTo(b.reservationId());
    assertThat(quota.check(request).reservationId()).isNull();
    quota.commit(a.reservationId(), Money.of("1"), null);
    quota.release(b.reservationId());
  }
}
