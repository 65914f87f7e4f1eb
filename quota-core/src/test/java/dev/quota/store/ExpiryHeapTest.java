package dev.quota.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The heap against a sorted list: the same reservations come out, soonest first, whatever is removed between. */
class ExpiryHeapTest {
  private record Entry(HeldReservation r, long at) {}

  @Property(tries = 100)
  void pollsInExpiryOrderAndRemovesAnyEntry(@ForAll long seed) {
    Random rnd = new Random(seed);
    ExpiryHeap heap = new ExpiryHeap();
    List<Entry> model = new ArrayList<>();
    long now = 0;
    for (int step = 0; step < 3_000; step++) {
      int what = rnd.nextInt(10);
      if (what < 5) {
        // Mostly one ttl (arrivals in time order), some others, some out of order.
        long ttl = rnd.nextInt(4) == 0 ? rnd.nextInt(1_000) : 300;
        now += rnd.nextInt(3);
        HeldReservation r = reservation("r" + step);
        heap.add(r, now + ttl);
        model.add(new Entry(r, now + ttl));
      } else if (what < 8 && !model.isEmpty()) {
        Entry e = model.remove(rnd.nextInt(model.size()));
        heap.remove(e.r);
        assertThat(e.r.heapIndex).isEqualTo(-1);
      } else if (!model.isEmpty()) {
        long soonest = model.stream().mapToLong(Entry::at).min().getAsLong();
        assertThat(heap.firstAtMs()).isEqualTo(soonest);
        HeldReservation polled = heap.poll();
        Entry e = model.stream().filter(x -> x.r == polled).findFirst().orElseThrow();
        assertThat(e.at).isEqualTo(soonest);
        model.remove(e);
      }
      assertThat(heap.size()).isEqualTo(model.size());
    }
    long last = Long.MIN_VALUE;
    while (heap.size() > 0) {
      long at = heap.firstAtMs();
      assertThat(at).isGreaterThanOrEqualTo(last);
      last = at;
      heap.poll();
    }
    assertThat(heap.firstAtMs()).isEqualTo(Long.MAX_VALUE);
  }

  static HeldReservation reservation(String id) {
    return new HeldReservation(id, null, 0, null, 0, 0, 0);
  }
}
