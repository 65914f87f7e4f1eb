package dev.quota.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The rules every configuration repository keeps for the budget counter set the engines took up
 * last: another set replaces it from now; the same set keeps its time for an engine that just
 * started, and takes the later of the two for one that counted under another set until now.
 */
class BudgetCountersSinceTest {
  private static final String A = "a".repeat(64);
  private static final String B = "b".repeat(64);
  private final ConfigRepository repo = new MemoryConfigRepository();

  @Test
  void theFirstSetIsKeptSinceItWasTakenUp() {
    assertThat(repo.budgetCountersSince(A, 1_000, false)).isEqualTo(1_000);
  }

  @Test
  void aStartFindingTheSameSetKeepsItsTime() {
    repo.budgetCountersSince(A, 1_000, false);

    assertThat(repo.budgetCountersSince(A, 5_000, false)).isEqualTo(1_000);
    assertThat(repo.budgetCountersSince(A, 9_000, false)).isEqualTo(1_000);
  }

  @Test
  void anotherSetReplacesItFromNowWhateverTheTimeRecorded() {
    repo.budgetCountersSince(A, 1_000, false);

    assertThat(repo.budgetCountersSince(B, 5_000, false)).isEqualTo(5_000);
    assertThat(repo.budgetCountersSince(A, 3_000, true)).isEqualTo(3_000);
    assertThat(repo.budgetCountersSince(A, 9_000, false)).isEqualTo(3_000);
  }

  /** An engine that reloads into the set after another did counted under the old set meanwhile. */
  @Test
  void anEngineLeavingAnotherSetMovesTheTimeLaterNeverEarlier() {
    repo.budgetCountersSince(A, 5_000, true);

    assertThat(repo.budgetCountersSince(A, 7_000, true)).isEqualTo(7_000);
    assertThat(repo.budgetCountersSince(A, 6_000, true)).isEqualTo(7_000);
    assertThat(repo.budgetCountersSince(A, 8_000, false)).isEqualTo(7_000);
  }
}
