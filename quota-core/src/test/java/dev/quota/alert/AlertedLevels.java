package dev.quota.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaListener;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A listener that keeps the levels a quota alerts, all in one budget period, for a test to take
 * as they come: whether a level is alerted again after the store lost its counters, on any store.
 */
public final class AlertedLevels implements QuotaListener {
  private final Instant periodStart;
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  /** Every alert must be of the period that starts at {@code periodStart}. */
  public AlertedLevels(Instant periodStart) {
    this.periodStart = periodStart;
  }

  @Override
  public void onAlert(Alert alert) {
    alerts.add(alert);
  }

  /** The levels alerted since the last call, and forgets them. */
  public List<BigDecimal> newLevels() {
    List<BigDecimal> levels = alerts.stream().map(a -> a.threshold().stripTrailingZeros()).toList();
    assertThat(alerts).allSatisfy(a -> assertThat(a.periodStart()).isEqualTo(periodStart));
    alerts.clear();
    return levels;
  }

  /** Levels as {@link #newLevels} gives them. */
  public static List<BigDecimal> levels(String... values) {
    return Arrays.stream(values).map(v -> new BigDecimal(v).stripTrailingZeros()).toList();
  }
}
