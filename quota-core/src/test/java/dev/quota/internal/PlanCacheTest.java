package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaRequest;
import dev.quota.plan.Plan;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One set of two, so every request competes for it: an entry must only ever answer for its own request. */
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
  void aRequestIsKeptOnlyWhenItComesBackBeforeTwoOthersMissInItsSet() {
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, alice, List.of(), index, Instant.ofEpochMilli(T), null, null, true);
    QuotaRequest bob = QuotaRequest.builder().user("bob").build();
    QuotaRequest carol = QuotaRequest.builder().user("carol").build();
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
    offer(Plan.Kind.CHECK, bob, c);
    offer(Plan.Kind.CHECK, carol, c);
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("two others missed since").isNull();
    offer(Plan.Kind.CHECK, bob, c);
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("one other missed since").isNotNull();
  }

  @Test
  void aSetHoldsTwoRequestsAndTheNewestReplacesTheOlder() {
    QuotaRequest bob = QuotaRequest.builder().user("bob").build();
    QuotaRequest carol = QuotaRequest.builder().user("carol").build();
    PlanCache.Entry a = remember(Plan.Kind.CHECK, alice);
    PlanCache.Entry b = remember(Plan.Kind.CHECK, bob);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isSameAs(a);
    assertThat(find(Plan.Kind.CHECK, bob, T)).isSameAs(b);
    PlanCache.Entry c = remember(Plan.Kind.CHECK, carol);
    assertThat(find(Plan.Kind.CHECK, carol, T)).isSameAs(c);
    assertThat(find(Plan.Kind.CHECK, bob, T)).isSameAs(b);
    assertThat(find(Plan.Kind.CHECK, alice, T)).as("the older of the two").isNull();
  }

  @Test
  void anOutdatedEntryIsReplacedFirst() {
    QuotaRequest bob = QuotaRequest.builder().user("bob").build();
    PlanCache.Entry a = remember(Plan.Kind.CHECK, alice);
    PolicyIndex newer = PolicyIndex.of(List.of(), List.of());
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, bob, List.of(), newer, Instant.ofEpochMilli(T), null, null, true);
    int h = PlanCache.hash(Plan.Kind.CHECK, bob);
    cache.remember(h, Plan.Kind.CHECK, bob, newer, T, List.of(), c);
    cache.remember(h, Plan.Kind.CHECK, bob, newer, T, List.of(), c);
    PlanCache.Entry b = cache.find(h, Plan.Kind.CHECK, bob, newer, T);
    QuotaRequest carol = QuotaRequest.builder().user("carol").build();
    int hc = PlanCache.hash(Plan.Kind.CHECK, carol);
    cache.remember(hc, Plan.Kind.CHECK, carol, newer, T, List.of(), c);
    cache.remember(hc, Plan.Kind.CHECK, carol, newer, T, List.of(), c);
    assertThat(cache.find(hc, Plan.Kind.CHECK, carol, newer, T)).isNotNull();
    assertThat(cache.find(h, Plan.Kind.CHECK, bob, newer, T)).as("alice's entry, under the old index, went first").isSameAs(b);
    assertThat(a).isNotNull();
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
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
