package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdempotencyAndValidationTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  @BeforeEach
  void policy() {
    quota.admin().putPolicy(Policy.builder("user:*").rateLimit(10, Duration.ofHours(1))
        .budget(Budget.of("USD", Money.of("5"), null, null)).build(), ADMIN, "t");
  }

  @Test
  void repeatedKeyReturnsTheFirstOutcomeAndChargesNothingMore() {
    QuotaRequest r = QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("k1").build();
    Decision first = quota.reserve(r);
    Decision again = quota.reserve(r);
    assertThat(again.reservationId()).isEqualTo(first.reservationId());
    assertThat(again.replayed()).isTrue();
    assertThat(used()).isEqualTo(1);
    QuotaRequest usage = QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("rec-1").build();
    quota.record(usage);
    quota.record(usage);
    assertThat(quota.ledger().spent(Map.of("user", "u"), java.time.Instant.EPOCH, java.time.Instant.MAX))
        .isEqualTo(MoneyTotal.of("1"));
  }

  @Test
  void sameKeyWithOtherContentIsAConflictAndChangesNothing() {
    quota.reserve(QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("k1").build());
    assertThatThrownBy(() -> quota.reserve(
            QuotaRequest.builder().user("u").estimatedCost("2").idempotencyKey("k1").build()))
        .isInstanceOf(ConflictException.class).hasMessageContaining("idempotencyKey");
    assertThat(used()).isEqualTo(1);
  }

  @Test
  void aDryRunDoesNotClaimTheKeyAndReserveAndRecordNeverReplayEachOther() {
    QuotaRequest r = QuotaRequest.builder().user("u").estimatedCost("1").idempotencyKey("k2").build();
    quota.check(r);
    assertThat(quota.reserve(r).replayed()).isFalse();
    assertThat(used()).isEqualTo(1);
    assertThatThrownBy(() -> quota.record(r)).isInstanceOf(ConflictException.class);
  }

  @Test
  void badAmountsNameTheFieldAndTheRule() {
    assertField(() -> Money.parse("estimatedCost", "-1"), "estimatedCost", "plain non-negative decimal");
    assertField(() -> Money.parse("estimatedCost", "NaN"), "estimatedCost", "plain non-negative decimal");
    assertField(() -> Money.parse("estimatedCost", "1e3"), "estimatedCost", "plain non-negative decimal");
    assertField(() -> Money.parse("estimatedCost", "0.0000000001"), "estimatedCost", "9 decimal places");
    assertField(() -> Money.parse("estimatedCost", "9007199.254740992"), "estimatedCost", "at most 9007199.254740991");
    assertThat(Money.parse("estimatedCost", "9007199.254740991").nanos()).isEqualTo((1L << 53) - 1);
    assertThat(Money.parse("estimatedCost", "0.000000001").nanos()).isEqualTo(1);
    assertField(() -> Money.of("x", new BigDecimal("-0.5")), "x", "negative");
  }

  /**
   * A reserved call is one request: with 0 it would pass every request limit however used up. A
   * check only reads the limits, and a recorded usage may name 0 (tokens reported for a call
   * already counted).
   */
  @Test
  void noReservationMayNameZeroRequests() {
    QuotaRequest none = QuotaRequest.builder().user("z").meter(RateLimit.REQUESTS, 0).meter("tokens", 5).build();
    for (Runnable r : List.<Runnable>of(
        () -> quota.reserve(none), () -> quota.reserveAsync(none), () -> quota.prepare(none))) {
      assertField(r, "meters.requests", "at least 1");
    }
    assertThat(quota.usage(Subject.of("user", "z"))).allSatisfy(l -> assertThat(l.used()).isZero());
    assertThat(quota.check(none).admitted()).isTrue();
    assertThat(quota.record(none).admitted()).isTrue();
    assertThat(quota.usage(Subject.of("user", "z")).get(0).used()).as("requests counted").isZero();
  }

  @Test
  void badSubjectsNameTheField() {
    assertField(() -> QuotaRequest.builder().user("").build(), "subjects.user", "empty");
    assertField(() -> QuotaRequest.builder().user("x".repeat(129)).build(), "subjects.user", "128");
    assertField(() -> QuotaRequest.builder().user("a\nb").build(), "subjects.user", "printable");
    assertField(() -> QuotaRequest.builder().subject("User", "a").build(), "subjects.User", "the scope must be 1-32 characters");
    assertField(() -> QuotaRequest.builder().user("a").meter("Tokens", 1).build(), "meters.Tokens", "the meter name must be");
    assertField(() -> QuotaRequest.builder().build(), "subjects", "at least one");
    assertField(() -> QuotaRequest.builder().user("a").meter("tokens", -1).build(), "meters.tokens", "whole number");
    assertField(() -> QuotaRequest.builder().user("a").ttl(Duration.ofDays(2)).build(), "ttl", "24 hours");
    assertField(() -> Subject.parse("nocolon"), "subject", "scope:identifier");
    assertField(() -> Subject.parse("subjects[2]", "nocolon"), "subjects[2]", "scope:identifier");
    assertField(() -> Subject.parse("subjects[2]", "User:a"), "subjects[2]", "the scope must be");
    assertField(() -> Subject.parse("subjects[2]", "user:a\nb"), "subjects[2]", "the identifier must contain only printable");
    assertField(() -> Subject.parse("subjects[2]", "user:"), "subjects[2]", "the identifier must not be empty");
    assertThat(Subject.parse("subjects[2]", "user:a:b")).isEqualTo(Subject.of("user", "a:b"));
    assertField(() -> Selector.parse("user:a,user:b"), "selector", "two different scopes");
    assertThat(QuotaRequest.builder().user("x".repeat(128)).build().subjects()).containsKey("user");
  }

  /** {@code *} is the selector wildcard: as a subject it would mean one literal "everyone". */
  @Test
  void theSelectorWildcardIsNoSubjectIdentifierAndChangesNothing() {
    String rule = "must not be *: that is the wildcard of policy selectors";
    assertField(() -> quota.check(QuotaRequest.builder().user("*").build()), "subjects.user", rule);
    assertField(() -> quota.reserve(QuotaRequest.builder().user("u").team("*").build()), "subjects.team", rule);
    assertField(() -> quota.record(QuotaRequest.builder().subject("custom", "*").build()), "subjects.custom", rule);
    assertField(() -> Subject.of("user", "*"), "id", rule);
    assertField(() -> Subject.parse("user:*"), "id", rule);
    assertField(() -> Subject.parse("subjects[0]", "user:*"), "subjects[0]", "the identifier " + rule);
    assertField(() -> Subject.validateSubjectId("id", "*"), "id", rule);
    assertThat(quota.ledger().spent(Map.of("user", "*"), java.time.Instant.EPOCH, java.time.Instant.MAX))
        .isEqualTo(MoneyTotal.ZERO);
    // Only the bare wildcard is refused: an identifier that merely contains '*' names one subject.
    assertThat(quota.check(QuotaRequest.builder().user("a*").build()).admitted()).isTrue();
    assertThat(Subject.of("user", "**").id()).isEqualTo("**");
    assertThat(Selector.parse("user:*").parts().get(0).isWildcard()).isTrue();
    assertThat(used()).isZero();
  }

  /**
   * Limits a platform needs (a billion tokens a month, ten million a minute) were refused when every
   * limit had to keep limit x window in ms within 2^53; a sliding window never needed that, and a
   * token bucket now refills in coarser ticks over long windows.
   */
  @Test
  void realisticTokenLimitsCanBeSet() {
    Duration month = Duration.ofDays(31);
    for (long limit : new long[] {100_000_000L, 1_000_000_000L, 1L << 36}) {
      assertThat(new RateLimit("tokens", limit, month, Algorithm.TOKEN_BUCKET).limit()).isEqualTo(limit);
    }
    assertThat(new RateLimit("tokens", 10_000_000, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET).limit()).isEqualTo(10_000_000);
    for (long limit : new long[] {1_000_000_000_000L, (1L << 53) - 1}) {
      assertThat(new RateLimit("tokens", limit, month, Algorithm.SLIDING_WINDOW).limit()).isEqualTo(limit);
    }
  }

  /**
   * {@code ','} separates the two subjects of a pair: a subject {@code user:"a,tool:x"} would be
   * written as the pair {@code user:a,tool:x} that no selector or alert filter could tell apart.
   */
  @Test
  void anIdentifierWithACommaIsRefusedAsThePairSeparatorAndChangesNothing() {
    String rule = "must not contain ',': that separates the two subjects of a pair";
    assertField(() -> quota.check(QuotaRequest.builder().user("a,tool:x").build()), "subjects.user", rule);
    assertField(() -> quota.reserve(QuotaRequest.builder().user("u").team("t,").build()), "subjects.team", rule);
    assertField(() -> quota.record(QuotaRequest.builder().subject("custom", ",").build()), "subjects.custom", rule);
    assertField(() -> Subject.of("user", "a,b"), "id", rule);
    assertField(() -> Subject.parse("user:a,tool:x"), "id", rule);
    assertField(() -> Subject.parse("subjects[0]", "user:a,tool:x"), "subjects[0]", "the identifier " + rule);
    assertField(() -> Subject.validateSubjectId("id", "a,b"), "id", rule);
    assertField(() -> Selector.of("user", "a,b"), "selector.id", rule);
    assertField(() -> Selector.pair("user", "*", "tool", "x,y"), "selector.id", rule);
    // ':' stays allowed: scopes hold none, so every text splits at its first colon.
    assertThat(Subject.parse("user:a:b")).isEqualTo(Subject.of("user", "a:b"));
    assertThat(Selector.parse("tool:x,user:a:b").parts()).containsExactly(
        new Selector.Part("tool", "x"), new Selector.Part("user", "a:b"));
    assertThat(quota.check(QuotaRequest.builder().user("a:b").build()).admitted()).isTrue();
    // An idempotency key is no subject: it may hold a comma.
    assertThat(quota.check(QuotaRequest.builder().user("u").idempotencyKey("k,1").build()).admitted()).isTrue();
    assertThat(used()).isZero();
  }

  @Test
  void badLimitsNameTheField() {
    assertField(() -> RateLimit.perWindow(0, Duration.ofMinutes(1)), "limit", "positive");
    assertField(() -> RateLimit.perWindow(-5, Duration.ofMinutes(1)), "limit", "positive");
    assertField(() -> RateLimit.perWindow(1, Duration.ofMillis(999)), "window", "between 1 second and 31 days");
    assertField(() -> RateLimit.perWindow(1, Duration.ofDays(32)), "window", "between 1 second and 31 days");
    assertField(() -> RateLimit.perWindow((1L << 53), Duration.ofDays(31)), "limit", "at most 2^53-1");
    assertField(() -> new RateLimit("tokens", (1L << 36) + 1, Duration.ofSeconds(1), Algorithm.TOKEN_BUCKET),
        "limit", "at most 2^36 (68719476736) for a token bucket");
    assertField(() -> Policy.builder("user:*").concurrency(0).build(), "concurrency", "positive");
    assertField(() -> Policy.builder("user:*").build(), "policy", "at least one");
    assertField(() -> Budget.of("usd", Money.of("1"), null, null), "budget.currency", "ISO 4217");
    assertField(() -> Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1))
        .alertThresholds(java.util.List.of(new BigDecimal("1.5"))).build(), "alertThresholds[0]", "less than 1");
    assertField(() -> Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1))
        .alertThresholds(java.util.List.of(new BigDecimal("0.5"), new BigDecimal("0.50"))).build(), "alertThresholds[1]", "repeat");
  }

  @Test
  void rejectedInputChangesNothing() {
    assertThatThrownBy(() -> quota.commit("unknown-id", Money.of("1"), Map.of("tokens", -4L)))
        .isInstanceOf(ValidationException.class);
    assertThat(used()).isZero();
  }

  /** The ledger takes at most sixteen meters a call names: more must be refused before settling. */
  @Test
  void aCommitNamingTooManyMetersIsRefusedBeforeTheReservationIsSettled() {
    Decision d = quota.reserve(QuotaRequest.builder().user("u").estimatedCost("1").build());
    Map<String, Long> meters = new java.util.TreeMap<>();
    for (int i = 0; i < 17; i++) {
      meters.put("meter_" + i, 1L);
    }
    assertField(() -> quota.commit(d.reservationId(), Money.of("1"), meters), "meters", "must name at most 16 meters");
    assertThat(quota.ledger().spent(Map.of("user", "u"), java.time.Instant.EPOCH, java.time.Instant.MAX)).isEqualTo(MoneyTotal.ZERO);

    meters.remove("meter_0");
    assertThat(quota.commit(d.reservationId(), Money.of("1"), meters).repeated()).isFalse();
    assertThat(quota.ledger().spent(Map.of("user", "u"), java.time.Instant.EPOCH, java.time.Instant.MAX)).isEqualTo(MoneyTotal.of("1"));
  }

  /** A commit's meters follow the request's rules and name the meter at fault, as a request does. */
  @Test
  void aCommitsMetersAreRefusedByTheSameRulesAsARequestsAndNothingIsSettled() {
    Decision d = quota.reserve(QuotaRequest.builder().user("u").estimatedCost("1").build());
    assertField(() -> quota.commit(d.reservationId(), Money.of("1"), Map.of("Tokens", 1L)), "meters.Tokens", "the meter name must be");
    assertField(() -> quota.commit(d.reservationId(), Money.of("1"), Map.of("tokens", -1L)), "meters.tokens", "whole number");
    assertThat(quota.commit(d.reservationId(), Money.of("1"), Map.of("tokens", 5L)).repeated()).isFalse();
  }

  private long used() {
    return quota.usage(Subject.of("user", "u")).get(0).used();
  }

  private static void assertField(Runnable r, String field, String rule) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(ValidationException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.rule()).contains(rule);
        });
  }
}
