package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Budget;
import dev.quota.Mode;
import dev.quota.Money;
import dev.quota.Policy;
import dev.quota.QuotaRequest;
import dev.quota.Selector;
import dev.quota.admin.Override;
import dev.quota.plan.CounterOp;
import dev.quota.plan.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a bypass leaves: the limits the subject would have without it, in shadow mode, under the
 * very counter keys they have unbypassed. A replacement keeps applying as it is.
 */
class BypassResolutionTest {
  private static final Instant NOW = Instant.parse("2026-06-15T10:00:00Z");
  private static final Map<String, String> ALICE = Map.of("user", "alice");
  private static final Map<String, String> ALICE_IN_T = Map.of("user", "alice", "team", "t");

  private static Policy budgeted(String selector, String daily) {
    return Policy.builder(selector)
        .rateLimit(10, Duration.ofMinutes(1))
        .budget(Budget.of("USD", Money.of(daily), null, null))
        .build();
  }

  private static Override bypass(String selector, int minutesAgo) {
    Instant created = NOW.minus(Duration.ofMinutes(minutesAgo));
    return new Override(
        "b" + minutesAgo, Selector.parse(selector), null, true, NOW.plus(Duration.ofHours(1)), "incident", "admin", created);
  }

  private static Override replacing(Policy limits, int minutesAgo) {
    Instant created = NOW.minus(Duration.ofMinutes(minutesAgo));
    return new Override(
        "r" + minutesAgo, limits.selector(), limits, false, NOW.plus(Duration.ofHours(1)), "launch", "admin", created);
  }

  private static List<Policy> resolve(List<Policy> policies, List<Override> overrides, Map<String, String> subjects) {
    return PolicyIndex.of(policies, overrides).resolve(subjects, NOW);
  }

  /** The policy {@code p} in shadow mode, as a bypass leaves it. */
  private static Policy shadowOf(Policy p) {
    return p.toBuilder().mode(Mode.SHADOW).build();
  }

  @Test
  void aBypassedPolicyOfItsOwnAppliesInShadowMode() {
    Policy own = budgeted("user:alice", "1");
    Policy everyone = budgeted("user:*", "5");

    assertThat(resolve(List.of(own, everyone), List.of(bypass("user:alice", 1)), ALICE))
        .containsExactly(shadowOf(own));
  }

  @Test
  void aBypassOfASelectorWithoutAPolicyLeavesTheNextCandidateInShadowMode() {
    Policy everyone = budgeted("user:*", "5");
    Policy pairs = budgeted("team:t,user:*", "3");
    Policy anyPair = budgeted("team:*,user:*", "2");

    assertThat(resolve(List.of(everyone), List.of(bypass("user:alice", 1)), ALICE)).containsExactly(shadowOf(everyone));
    assertThat(resolve(List.of(pairs, anyPair), List.of(bypass("team:t,user:alice", 1)), ALICE_IN_T))
        .containsExactly(shadowOf(pairs));
    // Bypassed on both of its first candidates, the pair falls to the last one, still in shadow mode.
    assertThat(
            resolve(
                List.of(anyPair), List.of(bypass("team:t,user:alice", 1), bypass("team:t,user:*", 2)), ALICE_IN_T))
        .containsExactly(shadowOf(anyPair));
  }

  @Test
  void aBypassOverAnOlderReplacementLeavesTheReplacementInShadowMode() {
    Policy everyone = budgeted("user:*", "5");
    Policy raised = budgeted("user:alice", "50");

    assertThat(resolve(List.of(everyone), List.of(bypass("user:alice", 1), replacing(raised, 2)), ALICE))
        .containsExactly(shadowOf(raised));
    // The newer replacement wins over an older bypass, and enforces.
    assertThat(resolve(List.of(everyone), List.of(bypass("user:alice", 2), replacing(raised, 1)), ALICE))
        .containsExactly(raised);
  }

  @Test
  void withNoLimitsBeneathItABypassLeavesNone() {
    assertThat(resolve(List.of(), List.of(bypass("user:alice", 1)), ALICE)).isEmpty();
    assertThat(resolve(List.of(), List.of(bypass("user:*", 1)), ALICE)).isEmpty();
  }

  @Test
  void aBypassThatEndedLeavesThePolicyEnforcing() {
    Policy everyone = budgeted("user:*", "5");
    PolicyIndex index = PolicyIndex.of(List.of(everyone), List.of(bypass("user:alice", 1)));

    assertThat(index.resolve(ALICE, NOW.plus(Duration.ofHours(1)))).containsExactly(everyone);
  }

  @Test
  void aBypassedPolicyCountsUnderItsOwnCounterKeysWithoutEnforcing() {
    Policy everyone = budgeted("user:*", "5");
    QuotaRequest request = QuotaRequest.builder().user("alice").estimatedCost("0.25").build();
    PolicyIndex plain = PolicyIndex.of(List.of(everyone), List.of());
    PolicyIndex bypassed = PolicyIndex.of(List.of(everyone), List.of(bypass("user:alice", 1)));

    List<CounterOp> enforcing = compile(plain, request);
    List<CounterOp> shadowed = compile(bypassed, request);

    assertThat(shadowed).extracting(CounterOp::key).containsExactlyElementsOf(enforcing.stream().map(CounterOp::key).toList());
    assertThat(enforcing).extracting(CounterOp::enforced).containsOnly(true);
    assertThat(shadowed).extracting(CounterOp::enforced).containsOnly(false);
  }

  private static List<CounterOp> compile(PolicyIndex index, QuotaRequest request) {
    return PlanCompiler.compile(
            Plan.Kind.RECORD, request, index.resolve(request.subjects(), NOW), index, NOW, null, null, true)
        .plan()
        .ops();
  }
}
