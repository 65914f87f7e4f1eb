package dev.quota.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A window's text is Duration.toString's, made once per window and never kept for too many. */
class WindowTextTest {
  @Test
  void theTextIsDurationToString() {
    for (Duration d : new Duration[] {Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofHours(24),
        Duration.ofDays(30), Duration.ofMillis(1500), Duration.ofSeconds(90061)}) {
      assertThat(WindowText.of(d)).isEqualTo(d.toString());
      assertThat(WindowText.of(Duration.parse(d.toString()))).isEqualTo(d.toString());
    }
  }

  @Test
  void aWindowSeenAgainGetsTheTextMadeTheFirstTime() {
    Duration window = Duration.ofMinutes(7);
    assertThat(WindowText.of(Duration.ofSeconds(420))).isSameAs(WindowText.of(window));
  }

  @Test
  void manyDistinctWindowsDoNotGrowTheCacheWithoutBound() {
    for (int i = 1; i <= 5_000; i++) {
      Duration odd = Duration.ofMillis(1_000_000L + i);
      assertThat(WindowText.of(odd)).isEqualTo(odd.toString());
    }
    assertThat(WindowText.cached()).isLessThanOrEqualTo(1024);
  }
}
