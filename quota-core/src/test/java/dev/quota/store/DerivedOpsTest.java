package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.Algorithm;
import dev.quota.RateLimit;
import dev.quota.Subject;
import dev.quota.plan.BudgetOp;
import dev.quota.plan.CounterKeys;
import dev.quota.plan.CounterOp;
import dev.quota.plan.RateOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DerivedOpsTest {
  private static final RateLimit LIMIT = new RateLimit(RateLimit.REQUESTS, 10, Duration.ofMinutes(1), Algorithm.SLIDING_WINDOW);

  @Test
  void aListSeenAgainGetsItsEntryBackAndTheEntryIsWhatTheOpsMake() {
    DerivedOps memo = new DerivedOps(16);
    List<CounterOp> ops = ops("alice", "t1", 30);

    DerivedOps.Entry once = memo.of(ops);
    DerivedOps.Entry kept = memo.of(ops);

    assertThat(kept).as("a list seen once is only noted").isNotSameAs(once);
    assertThat(memo.of(ops)).isSameAs(kept);
    assertThat(kept.ops).isSameAs(ops);
    assertThat(kept.stripes).containsExactly(MemoryStore.stripesOf(ops, null));
    assertThat(kept.uniform).isEqualTo(ReservationShape.isUniform(ops));
    assertThat(kept.shapeHash).isEqualTo(ReservationShape.hash(ops, kept.uniform));
    assertThat(kept.hold).isEqualTo(30);
  }

  @Test
  void listsThatShareASetKeepTheirEntriesInTurnUntilMoreThanItsWaysAreInUse() {
    DerivedOps memo = new DerivedOps(1);
    List<List<CounterOp>> lists = new ArrayList<>();
    List<DerivedOps.Entry> entries = new ArrayList<>();
    for (int i = 0; i < DerivedOps.WAYS; i++) {
      lists.add(ops("u" + i, "t1", 30));
      memo.of(lists.get(i)); // noted
      entries.add(memo.of(lists.get(i))); // back again: kept
    }
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < DerivedOps.WAYS; i++) {
        assertThat(memo.of(lists.get(i))).isSameAs(entries.get(i));
      }
    }
    List<CounterOp> newest = ops("newest", "t1", 30);
    memo.of(newest);
    for (int i = 0; i < DerivedOps.WAYS; i++) {
      assertThat(memo.of(lists.get(i))).as("a list seen once pushes out none").isSameAs(entries.get(i));
    }
    memo.of(newest); // back while still noted: kept, and the list that came in first goes
    for (int i = 1; i < DerivedOps.WAYS; i++) {
      assertThat(memo.of(lists.get(i))).isSameAs(entries.get(i));
    }
    assertThat(memo.of(lists.get(0))).isNotSameAs(entries.get(0));
  }

  @Test
  void aListIsKeptOnlyWhenItComesBackBeforeAsManyOthersMissInItsSetAsItHasWays() {
    DerivedOps memo = new DerivedOps(1);
    List<CounterOp> alice = ops("alice", "t1", 30);
    memo.of(alice);
    for (int i = 0; i < DerivedOps.WAYS; i++) {
      memo.of(ops("other" + i, "t1", 30));
    }
    DerivedOps.Entry late = memo.of(alice);
    assertThat(memo.of(alice)).as("noted again, so kept only now").isNotSameAs(late);
  }

  @Test
  void listsThatShareASetNeverGetEachOthersEntry() {
    // One set: every list lands in it, so each call must tell the lists apart by identity.
    DerivedOps memo = new DerivedOps(1);
    List<List<CounterOp>> lists = new ArrayList<>();
    for (int u = 0; u < 50; u++) {
      lists.add(ops("u" + u, "t" + u % 7, 10 + u));
    }
    // An equal list that is another object still gets an entry of its own.
    lists.add(new ArrayList<>(lists.get(0)));
    for (int round = 0; round < 3; round++) {
      for (List<CounterOp> ops : lists) {
        DerivedOps.Entry e = memo.of(ops);
        assertThat(e.ops).isSameAs(ops);
        assertThat(e.stripes).containsExactly(MemoryStore.stripesOf(ops, null));
        assertThat(e.hold).isEqualTo(ReservationShape.holdOf(ops, e.uniform));
      }
    }
  }

  /** A user's and a team's rate limits and the team's daily budget, holding {@code hold}. */
  private static List<CounterOp> ops(String user, String team, long hold) {
    String u = CounterKeys.subjectOf(Subject.of("user", user));
    String t = CounterKeys.subjectOf(Subject.of("team", team));
    return List.of(
        new RateOp(CounterKeys.rate(u, LIMIT), true, "user:*", LIMIT, 1),
        new RateOp(CounterKeys.rate(t, LIMIT), true, "team:*", LIMIT, 1),
        new BudgetOp(CounterKeys.budget(t, "USD", "daily", 0), true, "team:*", 1_000, hold, 0, 86_400_000, new long[] {800}));
  }
}
