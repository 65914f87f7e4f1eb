package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.admin.Override;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The documented precedence among the selectors of one pair of scopes: of those a request
 * matches, only the first bound applies, in the order both parts exact, then exact in the scope
 * whose name sorts first (as a pair is stored: {@code tool:image_gen,user:*}), then exact in the
 * other, then both wildcards. So {@code user:*,tool:image_gen} beats {@code user:alice,tool:*} for
 * alice's call to image_gen, however the selectors were written or listed, and an override takes
 * its selector's place in that order rather than jumping ahead of it.
 */
class PairPrecedenceTest {
  private static final Instant NOW = Instant.parse("2026-06-15T10:00:00Z");
  private static final Map<String, String> ALICE_ON_IMAGE_GEN = Map.of("user", "alice", "tool", "image_gen");

  private static Policy limited(String selector, long limit) {
    return Policy.builder(selector).rateLimit(limit, Duration.ofMinutes(1)).build();
  }

  private static List<Policy> resolve(List<Policy> policies, List<Override> overrides, Map<String, String> subjects) {
    return PolicyIndex.of(policies, overrides).resolve(subjects, NOW);
  }

  @Test
  void theToolsOwnLimitForEveryUserBeatsTheUsersOwnLimitForEveryTool() {
    Policy aliceOnAnyTool = limited("user:alice,tool:*", 5);
    Policy anyoneOnImageGen = limited("user:*,tool:image_gen", 7);

    for (List<Policy> listed : List.of(List.of(aliceOnAnyTool, anyoneOnImageGen), List.of(anyoneOnImageGen, aliceOnAnyTool))) {
      assertThat(resolve(listed, List.of(), ALICE_ON_IMAGE_GEN)).containsExactly(anyoneOnImageGen);
    }
    // Each still applies where the other does not match.
    List<Policy> both = List.of(aliceOnAnyTool, anyoneOnImageGen);
    assertThat(resolve(both, List.of(), Map.of("user", "alice", "tool", "web_search"))).containsExactly(aliceOnAnyTool);
    assertThat(resolve(both, List.of(), Map.of("user", "bob", "tool", "image_gen"))).containsExactly(anyoneOnImageGen);
  }

  @Test
  void aPairsCandidatesApplyInTheDocumentedOrder() {
    Policy exact = limited("user:alice,tool:image_gen", 1);
    Policy toolExact = limited("user:*,tool:image_gen", 2);
    Policy userExact = limited("user:alice,tool:*", 3);
    Policy anyPair = limited("user:*,tool:*", 4);
    List<Policy> bound = new ArrayList<>(List.of(exact, toolExact, userExact, anyPair));
    Collections.reverse(bound); // listed least specific first: the order is not the list's

    for (Policy expected : List.of(exact, toolExact, userExact, anyPair)) {
      assertThat(resolve(bound, List.of(), ALICE_ON_IMAGE_GEN)).as("bound: %s", bound).containsExactly(expected);
      bound.remove(expected);
    }
    assertThat(resolve(bound, List.of(), ALICE_ON_IMAGE_GEN)).isEmpty();
  }

  /** The tie goes by scope names, not by which scope is the user's: here the user's own exact part sorts first. */
  @Test
  void theTieGoesToTheExactPartOfTheScopeWhoseNameSortsFirst() {
    Policy aliceInAnyZone = limited("zone:*,user:alice", 5);
    Policy anyoneInEu = limited("user:*,zone:eu", 7);

    assertThat(Selector.parse("zone:*,user:alice").toString()).isEqualTo("user:alice,zone:*");
    assertThat(resolve(List.of(anyoneInEu, aliceInAnyZone), List.of(), Map.of("user", "alice", "zone", "eu")))
        .containsExactly(aliceInAnyZone);
  }

  @Test
  void anOverrideTakesItsSelectorsPlaceAndDoesNotJumpAhead() {
    Policy anyoneOnImageGen = limited("user:*,tool:image_gen", 7);
    Policy raised = limited("user:alice,tool:*", 100);
    Override forAlice = new Override(
        "o1", raised.selector(), raised, false, NOW.plus(Duration.ofHours(1)), "launch", "admin", NOW.minusSeconds(60));

    assertThat(resolve(List.of(anyoneOnImageGen), List.of(forAlice), ALICE_ON_IMAGE_GEN)).containsExactly(anyoneOnImageGen);
    assertThat(resolve(List.of(anyoneOnImageGen), List.of(forAlice), Map.of("user", "alice", "tool", "web_search")))
        .containsExactly(raised);
  }
}
