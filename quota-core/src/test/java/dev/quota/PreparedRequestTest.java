package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

class PreparedRequestTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private int acquired(PreparedRequest p, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      if (p.tryAcquire()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void admitsExactlyTheLimitAndSharesCountersWithReserve() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1)).build(), ADMIN, "t");
    quota.admin().putPolicy(Policy.builder("team:*").rateLimit(7, Duration.ofMinutes(1)).build(), ADMIN, "t");
    PreparedRequest p = quota.prepare(QuotaRequest.builder().user("u").team("t").build());
    assertThat(acquired(p, 20)).isEqualTo(7);
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isEqualTo(7);
    clock.advance(Duration.ofMinutes(1).plusMillis(1));
    assertThat(quota.reserve(Fixtures.user("u")).admitted()).isTrue();
    assertThat(acquired(p, 20)).isEqualTo(7);
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isEqualTo(8);
  }

  @Test
  void followsPolicyChangesAndOverrideExpiry() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1)).build(), ADMIN, "t");
    PreparedRequest p = quota.prepare(Fixtures.user("u"));
    assertThat(acquired(p, 5)).isEqualTo(2);
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(4, Duration.ofHours(1)).build(), ADMIN, "raise");
    assertThat(acquired(p, 5)).isEqualTo(2);
    quota.admin().createOverride(Selector.parse("user:u"), null, clock.instant().plusSeconds(10), ADMIN, "bypass");
    assertThat(acquired(p, 5)).isEqualTo(5);
    clock.advance(Duration.ofSeconds(10));
    assertThat(acquired(p, 5)).isZero();
  }

  @Test
  void aChargingPlanFollowsPolicyChangesAndOverrideExpiryToo() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("100"), null, null)).build(), ADMIN, "t");
    PreparedRequest p = quota.prepare(Fixtures.userCost("u", "0.01"));
    assertThat(acquired(p, 5)).isEqualTo(2);
    quota.admin().createOverride(Selector.parse("user:u"), null, clock.instant().plusSeconds(10), ADMIN, "bypass");
    assertThat(acquired(p, 5)).isEqualTo(5);
    clock.advance(Duration.ofSeconds(10));
    assertThat(acquired(p, 5)).isZero();
    // The bypassed admissions were not limited, but their spend counts: the budget holds what the
    // ledger does, so a budget rebuilt from it holds no more than the live one.
    assertThat(quota.ledger().spent(Map.of("user", "u"), Instant.EPOCH, Instant.MAX))
        .isEqualTo(MoneyTotal.of("0.07"));
    assertThat(quota.usage(Subject.of("user", "u")))
        .filteredOn(l -> l.kind() == LimitKind.BUDGET_DAILY)
        .extracting(LimitStatus::usedAmount)
        .singleElement(InstanceOfAssertFactories.BIG_DECIMAL)
        .isEqualByComparingTo("0.07");
  }

  @Test
  void withBudgetsItChargesTheEstimateToCountersLedgerAndAlerts() throws Exception {
    quota.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    PreparedRequest p = quota.prepare(Fixtures.userCost("u", "0.3"));
    assertThat(acquired(p, 5)).isEqualTo(3);
    assertThat(quota.usage(Subject.of("user", "u")).get(0).usedAmount()).isEqualByComparingTo("0.9");
    assertThat(quota.ledger().spent(Map.of("user", "u"), Instant.EPOCH, Instant.MAX))
        .isEqualTo(MoneyTotal.of("0.9"));
    assertThat(quota.drainAlerts(Duration.ofSeconds(10))).isTrue();
    assertThat(quota.alertHistory().query("user:u", null, null, null, 0, 10))
        .extracting(a -> a.threshold().toPlainString(), a -> a.used().toPlainString())
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("0.8", "0.9"), org.assertj.core.groups.Tuple.tuple("0.9", "0.9"));
    clock.advance(Duration.ofDays(1)); // a new period: the plan is compiled again
    assertThat(acquired(p, 5)).isEqualTo(3);
  }

  @Test
  void itsLedgerRowsNameTheRequestsSubjectsAndMeters() {
    quota.admin().putPolicy(Policy.builder("team:*").budget(Budget.of("USD", Money.of("10"), null, null)).build(), ADMIN, "t");
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").estimatedCost("0.5").meter("tokens", 700).build();
    PreparedRequest p = quota.prepare(r);
    assertThat(acquired(p, 2)).isEqualTo(2);
    var rows = quota.ledger().entries(Map.of("team", "t"), Instant.EPOCH, Instant.MAX);
    assertThat(rows).hasSize(2).allSatisfy(row -> {
      assertThat(row.subjects()).isEqualTo(r.subjects());
      assertThat(row.meters()).isEqualTo(r.meters());
      assertThat(row.amount()).isEqualTo(Money.of("0.5"));
    });
  }

  @Test
  void aRequestWithAnIdempotencyKeyIsNotPrepared() {
    // With a concurrency cap every call is reserved and committed: under one key each call after
    // the first replayed the first admission, so all of them went ahead past the rate limit.
    quota.admin().putPolicy(
        Policy.builder("user:*").rateLimit(2, Duration.ofMinutes(1)).concurrency(5).build(), ADMIN, "t");
    QuotaRequest keyed = QuotaRequest.builder().user("u").idempotencyKey("k").build();
    assertThatThrownBy(() -> quota.prepare(keyed))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("idempotencyKey"));
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isZero();
  }

  @Test
  void aPerRequestCapRefusesWithoutCounting() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1))
        .budget(Budget.of("USD", null, null, Money.of("0.10"))).build(), ADMIN, "t");
    assertThat(acquired(quota.prepare(Fixtures.userCost("u", "0.11")), 3)).isZero();
    assertThat(quota.usage(Subject.of("user", "u")).get(0).used()).isZero();
  }

  @Test
  void afterARestartLostBudgetsAreSeededFromTheLedgerFirst() {
    var config = new dev.quota.admin.MemoryConfigRepository();
    var ledger = new dev.quota.ledger.MemoryLedger();
    Quota first = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    first.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build(), ADMIN, "t");
    assertThat(acquired(first.prepare(Fixtures.userCost("u", "0.4")), 2)).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    Quota second = Quota.builder().clock(clock).config(config).ledger(ledger).build();
    assertThat(acquired(second.prepare(Fixtures.userCost("u", "0.4")), 3)).isZero();
    assertThat(acquired(second.prepare(Fixtures.userCost("u", "0.2")), 3)).isEqualTo(1);
  }
}
