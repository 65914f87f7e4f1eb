package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.alert.Alert;
import dev.quota.store.conformance.MutableClock;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class QuotaEngineTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private void put(Policy p) {
    quota.admin().putPolicy(p, ADMIN, "test");
  }

  @Test
  void wildcardPolicyLimitsEveryUserSeparatelyAndExactPolicyWins() {
    put(Policy.builder("user:*").rateLimit(2, Duration.ofMinutes(1)).build());
    put(Policy.builder("user:vip").rateLimit(5, Duration.ofMinutes(1)).build());
    for (int i = 0; i < 2; i++) {
      assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
      assertThat(quota.reserve(Fixtures.user("b")).admitted()).isTrue();
    }
    Decision denied = quota.reserve(Fixtures.user("a"));
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.reservationId()).isNull();
    assertThat(denied.denying()).singleElement().satisfies(l -> {
      assertThat(l.selector().toString()).isEqualTo("user:*");
      assertThat(l.kind()).isEqualTo(LimitKind.RATE);
      assertThat(l.used()).isEqualTo(2);
    });
    assertThat(denied.retryAt()).isAfter(clock.instant()).isBeforeOrEqualTo(clock.instant().plusMillis(60_001));
    for (int i = 0; i < 5; i++) {
      assertThat(quota.reserve(Fixtures.user("vip")).admitted()).isTrue();
    }
    assertThat(quota.reserve(Fixtures.user("vip")).admitted()).isFalse();
  }

  @Test
  void retryAtIsWhenTheWindowHasRoomAgain() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).build());
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    Decision denied = quota.reserve(Fixtures.user("a"));
    clock.advance(Duration.between(clock.instant(), denied.retryAt()).minusMillis(1));
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
  }

  @Test
  void decisionIsAllOrNothingAcrossPolicies() {
    put(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1)).build());
    put(Policy.builder("team:*").rateLimit(1, Duration.ofMinutes(1)).build());
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").build();
    assertThat(quota.reserve(r).admitted()).isTrue();
    assertThat(quota.reserve(r).admitted()).isFalse();
    // The denied request consumed nothing from the user's window.
    LimitStatus user = quota.usage(Subject.of("user", "u")).get(0);
    assertThat(user.used()).isEqualTo(1);
  }

  @Test
  void pairPolicyCountsEachUsersUseOfOneTool() {
    put(Policy.builder("user:*,tool:image_gen").rateLimit(1, Duration.ofHours(1)).build());
    QuotaRequest aImage = QuotaRequest.builder().user("a").tool("image_gen").build();
    QuotaRequest bImage = QuotaRequest.builder().user("b").tool("image_gen").build();
    QuotaRequest aSearch = QuotaRequest.builder().user("a").tool("search").build();
    assertThat(quota.reserve(aImage).admitted()).isTrue();
    assertThat(quota.reserve(aImage).admitted()).isFalse();
    assertThat(quota.reserve(bImage).admitted()).isTrue();
    assertThat(quota.reserve(aSearch).admitted()).isTrue();
  }

  @Test
  void commitReplacesTheEstimateAndRecordsOverrunInTheLedger() {
    put(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build());
    Decision d = quota.reserve(Fixtures.userCost("a", "0.30"));
    assertThat(budgetUsed("a")).isEqualTo(Money.of("0.30").nanos());
    Settled s = quota.commit(d.reservationId(), Money.of("0.45"), Map.of());
    assertThat(s.overrun()).isEqualTo(Money.of("0.15"));
    assertThat(budgetUsed("a")).isEqualTo(Money.of("0.45").nanos());
    assertThat(quota.ledger().spent(Map.of("user", "a"), Instant.EPOCH, Instant.MAX))
        .isEqualTo(MoneyTotal.of("0.45"));
    // Committing again is a no-op that reports the first outcome.
    assertThat(quota.commit(d.reservationId(), Money.of("0.45"), Map.of()).repeated()).isTrue();
    assertThat(budgetUsed("a")).isEqualTo(Money.of("0.45").nanos());
    assertThatThrownBy(() -> quota.release(d.reservationId())).isInstanceOf(ConflictException.class);
  }

  @Test
  void budgetDeniesWhatWouldOverspendAndNamesTheReset() {
    put(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build());
    assertThat(quota.reserve(Fixtures.userCost("a", "0.60")).admitted()).isTrue();
    Decision denied = quota.reserve(Fixtures.userCost("a", "0.41"));
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.retryAt()).isEqualTo(Instant.parse("2026-06-16T00:00:00Z"));
    assertThat(quota.reserve(Fixtures.userCost("a", "0.40")).admitted()).isTrue();
  }

  @Test
  void perRequestCapDeniesWithoutTouchingCounters() {
    put(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, Money.of("1.00"))).build());
    Decision d = quota.reserve(Fixtures.userCost("a", "1.000000001"));
    assertThat(d.admitted()).isFalse();
    assertThat(d.retryAt()).isNull();
    assertThat(d.denying()).extracting(LimitStatus::kind).containsExactly(LimitKind.BUDGET_PER_REQUEST);
    assertThat(budgetUsed("a")).isZero();
  }

  @Test
  void releaseAndExpiryReturnHoldsAndSlots() {
    put(Policy.builder("user:*").concurrency(1).budget(Budget.of("USD", Money.of("1"), null, null)).build());
    Decision first = quota.reserve(Fixtures.userCost("a", "0.9"));
    assertThat(quota.reserve(Fixtures.userCost("a", "0.01")).admitted()).isFalse();
    quota.release(first.reservationId());
    assertThat(budgetUsed("a")).isZero();
    Decision second =
        quota.reserve(QuotaRequest.builder().user("a").estimatedCost("0.9").ttl(Duration.ofSeconds(30)).build());
    assertThat(second.expiresAt()).isEqualTo(clock.instant().plusSeconds(30));
    clock.advance(Duration.ofSeconds(30));
    assertThat(quota.reserve(Fixtures.userCost("a", "0.9")).admitted()).isTrue();
    assertThatThrownBy(() -> quota.commit(second.reservationId(), Money.of("0.1"), Map.of()))
        .isInstanceOf(ReservationExpiredException.class)
        .hasMessageContaining("expired before it was committed");
    assertThatThrownBy(() -> quota.release(second.reservationId()))
        .isInstanceOf(ReservationExpiredException.class)
        .hasMessageContaining("expired before it was released")
        .hasMessageNotContaining("committed");
    assertThatThrownBy(() -> quota.commit("nope", Money.of("0.1"), Map.of())).isInstanceOf(NotFoundException.class);
  }

  @Test
  void recordChargesWithoutCheckAndLaterRequestsAreDenied() {
    put(Policy.builder("user:*").budget(Budget.of("USD", Money.of("1"), null, null)).build());
    assertThat(quota.record(Fixtures.userCost("a", "1.50")).admitted()).isTrue();
    assertThat(budgetUsed("a")).isEqualTo(Money.of("1.5").nanos());
    assertThat(quota.reserve(Fixtures.userCost("a", "0")).admitted()).isFalse();
  }

  @Test
  void shadowModeReportsButNeverDenies() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).mode(Mode.SHADOW).build());
    quota.reserve(Fixtures.user("a"));
    Decision d = quota.reserve(Fixtures.user("a"));
    assertThat(d.admitted()).isTrue();
    assertThat(d.shadowDenials()).hasSize(1);
  }

  @Test
  void tokenMeterAndTokenBucket() {
    put(Policy.builder("user:*")
        .rateLimit(new RateLimit("tokens", 1000, Duration.ofMinutes(1), Algorithm.TOKEN_BUCKET))
        .build());
    QuotaRequest big = QuotaRequest.builder().user("a").meter("tokens", 800).build();
    assertThat(quota.reserve(big).admitted()).isTrue();
    Decision denied = quota.reserve(big);
    assertThat(denied.admitted()).isFalse();
    // 600 tokens missing at 1000 per minute: 36 seconds.
    assertThat(denied.retryAt()).isEqualTo(clock.instant().plusSeconds(36));
    clock.advance(Duration.ofSeconds(36));
    assertThat(quota.reserve(big).admitted()).isTrue();
  }

  @Test
  void overrideReplacesLimitsUntilItExpiresAndBypassLiftsThem() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofHours(1)).build());
    quota.reserve(Fixtures.user("a"));
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isFalse();
    quota.admin().createOverride(
        Selector.parse("user:a"), null, clock.instant().plusSeconds(60), ADMIN, "incident 42");
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    clock.advance(Duration.ofSeconds(60));
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isFalse();
    var o = quota.admin().createOverride(
        Selector.parse("user:a"),
        Policy.builder("user:a").rateLimit(100, Duration.ofHours(1)).build(),
        clock.instant().plusSeconds(600), ADMIN, "launch day").result();
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    quota.admin().revokeOverride(o.id(), ADMIN, "over");
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isFalse();
    List<AuditEntry> audit = quota.admin().audit(AuditQuery.latest(10));
    assertThat(audit).extracting(AuditEntry::action)
        .containsExactly("override.revoke", "override.create", "override.create", "policy.create");
    assertThat(audit.get(1).reason()).isEqualTo("launch day");
  }

  @Test
  void theOverrideInForceIsTheOneThatDecidesTheSubjectsOwnLimits() {
    put(Policy.builder("user:*").rateLimit(5, Duration.ofHours(1)).build());
    Subject a = Subject.of("user", "a");
    Subject b = Subject.of("user", "b");
    assertThat(quota.overrideInForce(a)).isEmpty();

    var everyone = quota.admin().createOverride(Selector.parse("user:*"), null, clock.instant().plusSeconds(60), ADMIN, "outage").result();
    assertThat(quota.overrideInForce(a)).contains(everyone);
    // A policy of a's own is more specific than the wildcard's override: it decides a's limits.
    put(Policy.builder("user:a").rateLimit(9, Duration.ofHours(1)).build());
    assertThat(quota.overrideInForce(a)).isEmpty();
    assertThat(quota.overrideInForce(b)).contains(everyone);

    var mine = quota.admin().createOverride(
        Selector.parse("user:a"), Policy.builder("user:a").rateLimit(100, Duration.ofHours(1)).build(),
        clock.instant().plusSeconds(600), ADMIN, "launch day").result();
    assertThat(quota.overrideInForce(a)).contains(mine);
    assertThat(quota.overrideInForce(Subject.of("team", "a"))).isEmpty();

    clock.advance(Duration.ofSeconds(60)); // the wildcard's override expires
    assertThat(quota.overrideInForce(b)).isEmpty();
    assertThat(quota.overrideInForce(a)).contains(mine);
  }

  @Test
  void resetClearsASubjectsCountersAndIsAudited() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofHours(1)).build());
    quota.reserve(Fixtures.user("a"));
    quota.reserve(Fixtures.user("b"));
    quota.admin().resetSubject(Subject.of("user", "a"), ADMIN, "support ticket");
    assertThat(quota.reserve(Fixtures.user("a")).admitted()).isTrue();
    assertThat(quota.reserve(Fixtures.user("b")).admitted()).isFalse();
    AuditEntry e = quota.admin().audit(AuditQuery.latest(1)).get(0);
    assertThat(e.action()).isEqualTo("subject.reset");
    assertThat(e.actor()).isEqualTo(ADMIN);
  }

  @Test
  void aRequestMadeOftenEnoughToBeRememberedStillStartsOverAfterAReset() {
    // Repeated, the request's compilation is cached and the store remembers its counters by it;
    // the reset removes those counters, so what was remembered must not be used again.
    put(Policy.builder("user:*").rateLimit(3, Duration.ofHours(1)).build());
    QuotaRequest a = Fixtures.user("a");
    for (int i = 0; i < 3; i++) {
      assertThat(quota.reserve(a).admitted()).isTrue();
    }
    assertThat(quota.reserve(a).admitted()).isFalse();

    quota.admin().resetSubject(Subject.of("user", "a"), ADMIN, "support ticket");

    for (long admitted = 1; admitted <= 3; admitted++) {
      assertThat(quota.reserve(a).admitted()).isTrue();
      assertThat(quota.usage(Subject.of("user", "a"))).extracting(LimitStatus::used).containsExactly(admitted);
    }
    assertThat(quota.reserve(a).admitted()).isFalse();
  }

  @Test
  void policyChangesAreAuditedWithBeforeAndAfter() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofHours(1)).build());
    put(Policy.builder("user:*").rateLimit(2, Duration.ofHours(1)).build());
    quota.admin().deletePolicy(Selector.parse("user:*"), ADMIN, "cleanup");
    List<AuditEntry> audit = quota.admin().audit(AuditQuery.latest(10));
    assertThat(audit).extracting(AuditEntry::action).containsExactly("policy.delete", "policy.update", "policy.create");
    assertThat(audit.get(1).before()).contains("limit=1");
    assertThat(audit.get(1).after()).contains("limit=2");
    assertThatThrownBy(() -> quota.admin().deletePolicy(Selector.parse("user:*"), ADMIN, "again"))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void thresholdAlertsFireOncePerPeriodAndReachHandlers() throws Exception {
    List<Alert> delivered = new CopyOnWriteArrayList<>();
    Quota q = Quota.builder().clock(clock).alertHandler(delivered::add)
        .alertHandler(a -> { throw new IllegalStateException("a broken handler must not matter"); })
        .build();
    q.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, null)).build(), ADMIN, "t");
    q.record(Fixtures.userCost("a", "8.50"));
    q.record(Fixtures.userCost("a", "0.10"));
    Decision d = q.reserve(Fixtures.userCost("a", "0.60"));
    q.release(d.reservationId());
    q.record(Fixtures.userCost("a", "0.60"));
    q.record(Fixtures.userCost("a", "1.00"));
    assertThat(q.drainAlerts(Duration.ofSeconds(5))).isTrue();
    assertThat(delivered).extracting(Alert::threshold)
        .containsExactly(new BigDecimal("0.8"), new BigDecimal("0.9"), new BigDecimal("0.95"), BigDecimal.ONE);
    assertThat(q.alertHistory().query("user:a", null, null, null, 0, 10)).hasSize(4);
    clock.advance(Duration.ofDays(1));
    q.record(Fixtures.userCost("a", "9.00"));
    q.drainAlerts(Duration.ofSeconds(5));
    assertThat(delivered).hasSize(6);
  }

  /** An admin's reset forgives the spend, alerted levels with it: spend after it alerts as it crosses them again. */
  @Test
  void aResetStartsTheAlertLevelsOfItsPeriodAfresh() throws Exception {
    List<Alert> delivered = new CopyOnWriteArrayList<>();
    Quota q = Quota.builder().clock(clock).alertHandler(delivered::add).build();
    q.admin().putPolicy(Policy.builder("user:*").budget(Budget.of("USD", Money.of("10"), null, null)).build(), ADMIN, "t");
    q.record(Fixtures.userCost("a", "8.50"));
    clock.advance(Duration.ofSeconds(1)); // a rebuild counts spend of the reset's own millisecond: see resetSubject
    q.admin().resetSubject(Subject.of("user", "a"), ADMIN, "forgiven");
    q.record(Fixtures.userCost("a", "7.00"));
    assertThat(q.drainAlerts(Duration.ofSeconds(5))).isTrue();
    assertThat(delivered).as("nothing crossed since the reset").hasSize(1);

    q.record(Fixtures.userCost("a", "1.00"));
    assertThat(q.drainAlerts(Duration.ofSeconds(5))).isTrue();
    assertThat(delivered).extracting(Alert::threshold).containsExactly(new BigDecimal("0.8"), new BigDecimal("0.8"));
    assertThat(delivered).extracting(Alert::periodStart).containsOnly(delivered.get(0).periodStart());
    q.close();
  }

  @Test
  void usageListsEveryCounterAgainstItsLimit() {
    put(Policy.builder("user:*").rateLimit(5, Duration.ofMinutes(1)).rateLimit(100, Duration.ofDays(1))
        .budget(Budget.of("USD", Money.of("2"), Money.of("20"), null)).concurrency(3).build());
    Decision d = quota.reserve(Fixtures.userCost("a", "0.5"));
    quota.commit(d.reservationId(), Money.of("0.25"), Map.of());
    List<LimitStatus> usage = quota.usage(Subject.of("user", "a"));
    assertThat(usage).extracting(LimitStatus::kind).containsExactly(
        LimitKind.RATE, LimitKind.RATE, LimitKind.BUDGET_DAILY, LimitKind.BUDGET_MONTHLY, LimitKind.CONCURRENCY);
    assertThat(usage.get(0).remaining()).isEqualTo(4);
    assertThat(usage.get(2).usedAmount()).isEqualByComparingTo("0.25");
    assertThat(usage.get(2).resetAt()).isEqualTo(Instant.parse("2026-06-16T00:00:00Z"));
    assertThat(usage.get(3).resetAt()).isEqualTo(Instant.parse("2026-07-01T00:00:00Z"));
    assertThat(usage.get(4).used()).isZero();
  }

  /**
   * A full concurrency cap names when its first slot frees by itself: the soonest expiry among the
   * reservations holding its slots.
   */
  @Test
  void aDenialByAFullConcurrencyCapRetriesWhenItsSoonestSlotExpires() {
    put(Policy.builder("user:*").concurrency(2).build());
    QuotaRequest later = QuotaRequest.builder().subject("user", "c").ttl(Duration.ofMinutes(5)).build();
    QuotaRequest sooner = QuotaRequest.builder().subject("user", "c").ttl(Duration.ofSeconds(30)).build();
    assertThat(quota.reserve(later).admitted()).isTrue();
    clock.advance(Duration.ofSeconds(1));
    Decision soonest = quota.reserve(sooner);

    Decision denied = quota.reserve(Fixtures.user("c"));
    assertThat(denied.admitted()).isFalse();
    assertThat(denied.retryAt()).isEqualTo(soonest.expiresAt()).isEqualTo(clock.instant().plusSeconds(30));
    assertThat(denied.binding().kind()).isEqualTo(LimitKind.CONCURRENCY);
    assertThat(denied.binding().retryAt()).isEqualTo(denied.retryAt());

    clock.advance(Duration.ofSeconds(30));
    assertThat(quota.reserve(Fixtures.user("c")).admitted()).isTrue();
  }

  /**
   * A subject's usage reads {@code allowed} as whether a call of one request would be admitted now,
   * for every kind: a rate limit sitting exactly at its limit is as shut as a full concurrency cap.
   */
  @Test
  void usageReadsAllowedAsWhetherACallOfOneRequestWouldBeAdmittedNow() {
    put(Policy.builder("user:*").rateLimit(2, Duration.ofMinutes(1)).concurrency(2).build());
    quota.reserve(Fixtures.user("u"));
    assertThat(quota.usage(Subject.of("user", "u"))).extracting(LimitStatus::allowed).containsExactly(true, true);

    quota.reserve(Fixtures.user("u"));
    List<LimitStatus> full = quota.usage(Subject.of("user", "u"));
    assertThat(full).extracting(LimitStatus::kind).containsExactly(LimitKind.RATE, LimitKind.CONCURRENCY);
    assertThat(full).extracting(LimitStatus::used).containsExactly(2L, 2L);
    assertThat(full).extracting(LimitStatus::allowed).containsExactly(false, false);
    assertThat(full.get(0).retryAt()).isNotNull();
    assertThat(quota.check(Fixtures.user("u")).denying()).hasSize(2);
  }

  private long budgetUsed(String user) {
    return quota.usage(Subject.of("user", user)).stream()
        .filter(l -> l.kind() == LimitKind.BUDGET_DAILY).findFirst().orElseThrow().used();
  }

  @Test
  void aListenerHearsEveryDecisionWithItsOperationAndOutcome() {
    List<String> heard = new CopyOnWriteArrayList<>();
    Quota q =
        Quota.builder().clock(clock).store(new dev.quota.store.MemoryStore(clock)).listener(new QuotaListener() {
          @Override
          public void onDecision(String operation, boolean admitted, long nanos) {
            assertThat(nanos).isNotNegative();
            heard.add(operation + ":" + admitted);
          }
        }).build();
    q.admin().putPolicy(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).build(), ADMIN, "test");

    q.check(Fixtures.user("a"));
    q.reserve(Fixtures.user("a"));
    q.reserveAsync(Fixtures.user("a")).toCompletableFuture().join();
    q.record(Fixtures.user("b"));

    assertThat(heard).containsExactly("check:true", "reserve:true", "reserve:false", "record:true");
  }
}
