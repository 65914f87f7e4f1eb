package dev.quota;

import static dev.quota.Fixtures.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link Decision#binding()} over requests that several limits apply to: an admission names the
 * enforced limit with the least room left, a denial the refusing limit that stays shut longest.
 */
class DecisionBindingTest {
  private final MutableClock clock = Fixtures.clock();
  private final Quota quota = Fixtures.quota(clock);

  private void put(Policy p) {
    quota.admin().putPolicy(p, ADMIN, "test");
  }

  @Test
  void anAdmissionIsBoundByTheEnforcedLimitWithTheSmallestShareLeft() {
    put(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1)).build());
    put(Policy.builder("team:*").rateLimit(4, Duration.ofMinutes(1)).build());
    put(Policy.builder("project:*").budget(Budget.of("USD", Money.of("1.00"), null, null)).build());
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").project("p").estimatedCost("0.10").build();

    Decision first = quota.reserve(r);

    // left: user 9/10, team 3/4, project 0.90/1.00: the team's window is the tightest
    assertThat(first.admitted()).isTrue();
    assertThat(first.limits()).hasSize(3);
    assertThat(first.binding().selector()).isEqualTo(Selector.parse("team:*"));
    assertThat(first.binding().remaining()).isEqualTo(3);

    Decision second = quota.reserve(QuotaRequest.builder().user("u").team("t").project("p").estimatedCost("0.70").build());

    // left: user 8/10, team 2/4, project 0.20/1.00: now the budget binds
    assertThat(second.admitted()).isTrue();
    assertThat(second.binding().kind()).isEqualTo(LimitKind.BUDGET_DAILY);
    assertThat(second.binding().remainingAmount()).isEqualByComparingTo("0.20");
  }

  @Test
  void aShadowLimitNeverBindsEvenWhenItHasLessRoom() {
    put(Policy.builder("user:*").rateLimit(10, Duration.ofMinutes(1)).build());
    put(Policy.builder("team:*").rateLimit(1, Duration.ofMinutes(1)).mode(Mode.SHADOW).build());
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").build();
    quota.reserve(r);

    Decision overShadow = quota.reserve(r);

    assertThat(overShadow.admitted()).isTrue();
    assertThat(overShadow.shadowDenials()).singleElement().extracting(LimitStatus::selector).isEqualTo(Selector.parse("team:*"));
    assertThat(overShadow.binding().selector()).isEqualTo(Selector.parse("user:*"));
  }

  @Test
  void aDenialIsBoundByTheRefusingLimitThatStaysShutLongest() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).build());
    put(Policy.builder("team:*").rateLimit(1, Duration.ofHours(1)).build());
    put(Policy.builder("project:*").rateLimit(100, Duration.ofMinutes(1)).build());
    QuotaRequest r = QuotaRequest.builder().user("u").team("t").project("p").build();
    quota.reserve(r);

    Decision denied = quota.reserve(r);

    assertThat(denied.admitted()).isFalse();
    assertThat(denied.denying()).extracting(LimitStatus::selector)
        .containsExactlyInAnyOrder(Selector.parse("user:*"), Selector.parse("team:*"));
    // the user's minute ends first; only the team's hour decides when a retry can succeed
    assertThat(denied.binding().selector()).isEqualTo(Selector.parse("team:*"));
    assertThat(denied.binding().retryAt()).isEqualTo(denied.retryAt());
  }

  @Test
  void aDenialNoRetryCanCureBindsOverOneThatEnds() {
    put(Policy.builder("user:*").rateLimit(1, Duration.ofMinutes(1)).build());
    put(Policy.builder("team:*").budget(Budget.of("USD", Money.of("10"), null, Money.of("1.00"))).build());
    quota.reserve(QuotaRequest.builder().user("u").build());

    Decision denied = quota.reserve(QuotaRequest.builder().user("u").team("t").estimatedCost("2.00").build());

    assertThat(denied.denying()).hasSize(2);
    assertThat(denied.retryAt()).isNull();
    assertThat(denied.binding().kind()).isEqualTo(LimitKind.BUDGET_PER_REQUEST);
  }

  @Test
  void noLimitNoBinding() {
    Decision free = quota.reserve(Fixtures.user("free"));

    assertThat(free.admitted()).isTrue();
    assertThat(free.limits()).isEmpty();
    assertThat(free.binding()).isNull();
  }
}
