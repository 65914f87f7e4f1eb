package dev.quota.alert;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A budget crossed one of its alert thresholds, or was exhausted ({@code threshold} 1), for the
 * first time in its period.
 *
 * @param policy the selector of the policy whose budget it is
 * @param subject the subject (or subject pair) the counter belongs to
 * @param period {@code daily} or {@code monthly}
 */
public record Alert(
    String id,
    Instant at,
    String policy,
    String subject,
    String period,
    Instant periodStart,
    BigDecimal threshold,
    BigDecimal used,
    BigDecimal limit,
    String currency) {

  public boolean exhausted() {
    return threshold.compareTo(BigDecimal.ONE) >= 0;
  }
}
