package dev.quota.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class OpResultsTest {
  /** Every field comes back as it went in, whichever order a store filled them in. */
  @Property(tries = 300)
  void packedResultsReadBackAsTheRecordsTheyWereMadeFrom(@ForAll("results") List<OpResult> results) {
    OpResults packed = OpResults.of(results);
    assertThat(packed).containsExactlyElementsOf(results);
    assertThat(packed).isEqualTo(results);
    OpResults.Builder inParts = new OpResults.Builder(results.size());
    for (int i = results.size() - 1; i >= 0; i--) {
      OpResult r = results.get(i);
      inParts.counter(i, r.used(), r.resetAtMs(), r.retryAtMs());
      inParts.fired(i, r.firedThresholds());
      inParts.allowed(i, r.allowed());
    }
    OpResults built = inParts.build();
    for (int i = 0; i < results.size(); i++) {
      OpResult r = results.get(i);
      assertThat(built.allowed(i)).isEqualTo(r.allowed());
      assertThat(built.used(i)).isEqualTo(r.used());
      assertThat(built.resetAtMs(i)).isEqualTo(r.resetAtMs());
      assertThat(built.retryAtMs(i)).isEqualTo(r.retryAtMs());
      assertThat(built.firedThresholds(i)).isEqualTo(r.firedThresholds());
    }
  }

  /** Setting whether an op had room leaves its fired bits alone, and the other way round. */
  @Property(tries = 1)
  void allowedAndFiredShareAWordWithoutTouchingEachOther() {
    OpResults.Builder b = new OpResults.Builder(1);
    b.fired(0, OpResult.EXHAUSTED_BIT | 5).allowed(0, true);
    assertThat(b.fired(0)).isEqualTo(OpResult.EXHAUSTED_BIT | 5);
    b.allowed(0, false).fired(0, 2);
    assertThat(b.allowed(0)).isFalse();
    b.allowed(0, true).fired(0, 0);
    assertThat(b.allowed(0)).isTrue();
    assertThat(b.build().get(0)).isEqualTo(new OpResult(true, 0, 0, 0, 0));
  }

  @Property(tries = 1)
  void aListHandedOutCannotChange() {
    OpResults.Builder b = new OpResults.Builder(1).allowed(0, true);
    OpResults results = b.build();
    assertThatThrownBy(() -> b.allowed(0, false)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> results.set(0, new OpResult(false, 1, 1, 1, 1)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(OpResults.of(new ArrayList<>(results))).isEqualTo(results);
    assertThat(OpResults.of(results)).isSameAs(results);
  }

  @Provide
  Arbitrary<List<OpResult>> results() {
    Arbitrary<Long> times = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(-1L, 0L, Long.MAX_VALUE));
    return Combinators.combine(Arbitraries.of(true, false), Arbitraries.longs(), times, times, Arbitraries.integers())
        .as(OpResult::new).list().ofMaxSize(14);
  }
}
