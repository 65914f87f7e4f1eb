package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaRequest;
import dev.quota.plan.Plan;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One slot, so every request competes for it: an entry must only ever answer for its own request. */
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
  void aRequestIsKeptOnlyWhenItComesBackBeforeAnotherTakesItsSlot() {
    PlanCompiler.Compiled c = PlanCompiler.compile(Plan.Kind.CHECK, alice, List.of(), index, Instant.ofEpochMilli(T), null, null, true);
    QuotaRequest bob = QuotaRequest.builder().user("bob").build();
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
    offer(Plan.Kind.CHECK, bob, c);
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNull();
    offer(Plan.Kind.CHECK, alice, c);
    assertThat(find(Plan.Kind.CHECK, alice, T)).isNotNull();
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
