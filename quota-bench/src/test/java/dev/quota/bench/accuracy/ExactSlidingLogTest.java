package dev.quota.bench.accuracy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The accuracy figures are only as good as their oracle: check it against a brute-force count. */
class ExactSlidingLogTest {

  @Test
  void admissionLeavesTheWindowExactlyOneWindowLater() {
    ExactSlidingLog log = new ExactSlidingLog(2, 1000);
    assertThat(log.wouldAdmit(0)).isTrue();
    log.record(0);
    log.record(1);
    assertThat(log.wouldAdmit(999)).isFalse();
    assertThat(log.wouldAdmit(1000)).isTrue(); // the admission at 0 counts for now < 1000 only
    assertThat(log.countAt(1001)).isZero();
  }

  @Test
  void agreesWithBruteForceOnRandomArrivals() {
    SplittableRandom random = new SplittableRandom(7);
    ExactSlidingLog log = new ExactSlidingLog(5, 100);
    List<Long> admitted = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < 5_000; i++) {
      t += random.nextInt(40);
      long now = t;
      long inWindow = admitted.stream().filter(a -> a > now - 100 && a <= now).count();
      assertThat(log.wouldAdmit(now)).as("arrival %d at %d", i, now).isEqualTo(inWindow < 5);
      if (inWindow < 5) {
        log.record(now);
        admitted.add(now);
      }
    }
    assertThat(admitted.size()).isBetween(100, 5_000);
  }
}
