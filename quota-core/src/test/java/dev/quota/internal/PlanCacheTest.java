package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaRequest;
import dev.quota.plan.Plan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One set, so every request competes for it: an entry must only ever answer for its own request. */
class PlanCacheTest {
  private final PlanCache cache = new PlanCache(1);
  private final PolicyIndex index = PolicyIndex.of(List.of(), List.of());
  private final QuotaRequest alice = QuotaRequest.builder().user("alice").build();
  private static final long T = Instant.parse("2026-06-15T10:00:00Z").toEpochMilli();

  private PlanCache.Entry find(Plan.Kind kind, QuotaRequest r, long now) {
    return cache.find(PlanCache.hash(kind, r), kind, r, index, now);
  }

  private void offer(Plan.Kind kind, QuotaRequest r, PlanCompiler.Compiled c) {
    cache.remember(PlanCache.hash(kind, r), kind, r, index, T, List.of(), c);
  }

  private PlanCache.Entry remember(Plan.Kind kind, QuotaRequest r) {
    PlanCompiler.Compiled c = PlanCompiler.compile(kind, r, List.of(), index, Instant.ofEpochMilli(T), null, null, true);
    int h = PlanCache.hash(kind, r);
    cache.remember(h, kind, r, index, T, List.of(), c); // noted
    cache.remember(h, kind, r, index, T, List.of(), c); // back again: kept
    return find(kind, r, T);
  }

  @Test
  void answersOnlyForTheSameContentKindIndexAndTime() {
    PlanCache.Entry e = remember(Plan.Kind.RESERVE, alice);
    assertThat(find(Plan.Kind.RESERVE, alice, T)).isSameAs(e);
    assertThat(find(Plan.Kind.RESERVE, QuotaRequest.builder().user("alice").build(), T + 5)).isSameAs(e);
    assertThat(find(Plan.Kind.RESERVE, QuotaRequest.builder().user("bob").build(), T)).isNull();
    assertThat(find(Plan.Kind.RESERVE, QuotaRequest.builder().user("alice").estimatedCost("1").build(), T))
        .isNull();
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
    assertThat(cache.find(PlanCache.hash(Plan.Kind.RESERVE, alice), Plan.Kind.RESERVE, alice, PolicyIndex.of(List.of(), List.of()), T))
        .isNull();
    assertThat(find(Plan.Kind.RESERVE, alice, T - 1)).as("before it was compiled").isNull();
  }

  @Test
  void aRequestIsKeptOnlyWhenItComesBackBeforeAsManyOthersMissInItsSetAsItHasWays() {
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, alice, List.of(), index, Instant.ofEpochMilli(T), null, null, true);
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
    for (int i = 0; i < PlanCache.WAYS; i++) {
      offer(Plan.Kind.CHECK, user("other" + i), c);
    }
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("as many others missed since as the set has ways").isNull();
    for (int i = 0; i < PlanCache.WAYS - 1; i++) {
      offer(Plan.Kind.CHECK, user("more" + i), c);
    }
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("one fewer missed since").isNotNull();
  }

  @Test
  void aSetHoldsAsManyRequestsAsItHasWaysAndTheNewestReplacesTheOldest() {
    List<PlanCache.Entry> kept = new ArrayList<>();
    for (int i = 0; i < PlanCache.WAYS; i++) {
      kept.add(remember(Plan.Kind.CHECK, user("u" + i)));
    }
    for (int i = 0; i < PlanCache.WAYS; i++) {
      assertThat(find(Plan.Kind.CHECK, user("u" + i), T)).isSameAs(kept.get(i));
    }
    PlanCache.Entry newest = remember(Plan.Kind.CHECK, user("newest"));
    assertThat(find(Plan.Kind.CHECK, user("newest"), T)).isSameAs(newest);
    assertThat(find(Plan.Kind.CHECK, user("u0"), T)).as("the oldest").isNull();
    for (int i = 1; i < PlanCache.WAYS; i++) {
      assertThat(find(Plan.Kind.CHECK, user("u" + i), T)).isSameAs(kept.get(i));
    }
  }

  @Test
  void anOutdatedEntryIsReplacedFirst() {
    remember(Plan.Kind.CHECK, alice);
    PolicyIndex newer = PolicyIndex.of(List.of(), List.of());
    // The set has free ways, yet alice's entry, which no call under the newer index can use, goes.
    PlanCache.Entry b = rememberUnder(newer, user("bob"));
    assertThat(find(newer, user("bob"))).isSameAs(b);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("alice's entry, under the old index").isNull();
    List<PlanCache.Entry> kept = new ArrayList<>(List.of(b));
    for (int i = 1; i < PlanCache.WAYS; i++) {
      kept.add(rememberUnder(newer, user("u" + i)));
    }
    assertThat(find(newer, user("bob"))).as("a full set of usable entries").isSameAs(b);
    for (int i = 1; i < PlanCache.WAYS; i++) {
      assertThat(find(newer, user("u" + i))).isSameAs(kept.get(i));
    }
  }

  private PlanCache.Entry rememberUnder(PolicyIndex idx, QuotaRequest r) {
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, r, List.of(), idx, Instant.ofEpochMilli(T), null, null, true);
    int h = PlanCache.hash(Plan.Kind.CHECK, r);
    cache.remember(h, Plan.Kind.CHECK, r, idx, T, List.of(), c);
    cache.remember(h, Plan.Kind.CHECK, r, idx, T, List.of(), c);
    return find(idx, r);
  }

  private PlanCache.Entry find(PolicyIndex idx, QuotaRequest r) {
    return cache.find(PlanCache.hash(Plan.Kind.CHECK, r), Plan.Kind.CHECK, r, idx, T);
  }

  private static QuotaRequest user(String id) {
    return QuotaRequest.builder().user(id).build();
  }

  @Test
  void tenThousandRequestsMadeInTurnMostlyHitACacheOfSixteenThousandEntries() {
    // The engine's size. With two ways or eight, sets holding more requests than ways served few.
    PlanCache engines = new PlanCache(16_384 / PlanCache.WAYS);
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, alice, List.of(), index, Instant.ofEpochMilli(T), null, null, true);
    List<QuotaRequest> requests = new ArrayList<>();
    for (int u = 0; u < 10_000; u++) {
      requests.add(user("u" + u));
    }
    int hits = 0;
    for (int round = 0; round < 4; round++) {
      for (QuotaRequest r : requests) {
        int h = PlanCache.hash(Plan.Kind.CHECK, r);
        if (engines.find(h, Plan.Kind.CHECK, r, index, T) == null) {
          engines.remember(h, Plan.Kind.CHECK, r, index, T, List.of(), c);
        } else if (round == 3) {
          hits++;
        }
      }
    }
    assertThat(hits).as("hits in the last round").isGreaterThan(9_000);
  }

  @Test
  void aReservationIdGoesIntoACopyOfThePlan() {
    PlanCache.Entry e = remember(Plan.Kind.RESERVE, alice);
    assertThat(e.compiled("r1").plan().reservationId()).isEqualTo("r1");
    assertThat(e.compiled("r2").plan().reservationId()).isEqualTo("r2");
    assertThat(e.compiled("r1").plan().ops()).isSameAs(e.template().plan().ops());
    assertThat(e.template().plan().reservationId()).isNull();
  }
}
