package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.internal.Ids;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The table against a HashMap, through growth and shrinking, with compact and other ids mixed. */
class ReservationTableTest {
  @Property(tries = 50)
  void findsExactlyWhatAMapWould(@ForAll long seed) {
    Random rnd = new Random(seed);
    ReservationTable table = new ReservationTable();
    Map<String, HeldReservation> model = new HashMap<>();
    List<String> known = new ArrayList<>();
    for (int step = 0; step < 5_000; step++) {
      // Grow for a while, then mostly remove, so the table shrinks again.
      boolean growing = (step / 1_000) % 2 == 0;
      if (rnd.nextInt(10) < (growing ? 7 : 2)) {
        String id = rnd.nextBoolean() ? Ids.newId() : "res-" + rnd.nextInt(1_000_000);
        HeldReservation r = new HeldReservation(id, null, 0, null, 0, 0, 0);
        HeldReservation replaced = table.put(r);
        assertThat(replaced).isSameAs(model.put(id, r));
        known.add(id);
      } else if (!known.isEmpty()) {
        String id = known.get(rnd.nextInt(known.size()));
        assertThat(remove(table, id)).isSameAs(model.remove(id));
      }
      assertThat(table.size()).isEqualTo(model.size());
    }
    for (String id : known) {
      assertThat(remove(table, id)).isSameAs(model.remove(id));
    }
    assertThat(table.size()).isZero();
  }

  @Property(tries = 20)
  void removingAGivenReservationLeavesTheOthersFindable(@ForAll long seed) {
    Random rnd = new Random(seed);
    ReservationTable table = new ReservationTable();
    List<HeldReservation> held = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      HeldReservation r = new HeldReservation(Ids.newId(), null, 0, null, 0, 0, 0);
      table.put(r);
      held.add(r);
    }
    while (!held.isEmpty()) {
      table.remove(held.remove(rnd.nextInt(held.size())));
      for (int i = 0; i < held.size(); i += 1 + held.size() / 50) {
        HeldReservation r = held.get(i);
        assertThat(table.remove(r.idHigh, r.idLow, r.id)).isSameAs(r);
        table.put(r);
      }
      assertThat(table.size()).isEqualTo(held.size());
    }
  }

  private static HeldReservation remove(ReservationTable table, String id) {
    boolean compact = ReservationIds.isCompact(id);
    return table.remove(ReservationIds.high(id, compact), ReservationIds.low(id, compact), compact ? null : id);
  }
}
