package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.Ids;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReservationIdsTest {
  @Test
  void theEnginesIdsAreCompactAndTheirBitsGiveTheSameTextBack() {
    Set<Long> hashes = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      String id = Ids.newId();
      assertThat(ReservationIds.isCompact(id)).as(id).isTrue();
      long high = ReservationIds.high(id, true);
      long low = ReservationIds.low(id, true);
      assertThat(ReservationIds.text(high, low)).isEqualTo(id);
      hashes.add(ReservationIds.hash(high, low));
    }
    assertThat(hashes).hasSize(20_000);
  }

  @Test
  void idsDifferingInAnyDigitHaveDifferentBits() {
    String id = Ids.newId();
    long high = ReservationIds.high(id, true);
    long low = ReservationIds.low(id, true);
    for (int i = 0; i < 25; i++) {
      char[] c = id.toCharArray();
      c[i] = c[i] == '0' ? '1' : '0';
      String other = new String(c);
      if (ReservationIds.isCompact(other)) {
        assertThat(ReservationIds.high(other, true) != high || ReservationIds.low(other, true) != low).as(other).isTrue();
      }
    }
  }

  @Test
  void anyOtherStringIsNotCompact() {
    String id = Ids.newId();
    assertThat(ReservationIds.isCompact(id.substring(1))).isFalse();
    assertThat(ReservationIds.isCompact(id + "0")).isFalse();
    assertThat(ReservationIds.isCompact(id.toUpperCase())).isEqualTo(id.equals(id.toUpperCase()));
    for (char outside : new char[] {'i', 'l', 'o', 'u', '-', 'A', '\u00e9'}) {
      assertThat(ReservationIds.isCompact(outside + id.substring(1))).isFalse();
    }
    // The last digit repeats bits of the others: any other last digit is not the engine's form.
    int compact = 0;
    for (char last : "0123456789abcdefghjkmnpqrstvwxyz".toCharArray()) {
      if (ReservationIds.isCompact(id.substring(0, 25) + last)) {
        compact++;
      }
    }
    assertThat(compact).isEqualTo(1);
    assertThat(ReservationIds.isCompact("res-1")).isFalse();
    assertThat(ReservationIds.isCompact("")).isFalse();
  }

  @Test
  void otherIdsHashByTheirText() {
    assertThat(ReservationIds.high("res-1", false)).isEqualTo(ReservationIds.high("res-1", false));
    assertThat(ReservationIds.high("res-1", false)).isNotEqualTo(ReservationIds.high("res-2", false));
    assertThat(ReservationIds.low("res-1", false)).isZero();
  }
}
