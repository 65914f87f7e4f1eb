package dev.quota.alert;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Alerts as the engine fires them, for the alert tests of every module (this class ships in the
 * test-jar): each is a daily USD budget's, under the policy {@code user:*}.
 */
public final class SampleAlerts {
  private SampleAlerts() {}

  /**
   * The {@code n}th of a run of alerts, each of its own subject ({@code user:u<n>}, id
   * {@code a<n>}): 8 used of 10, at the 80% level.
   */
  public static Alert numbered(int n, Instant at) {
    return new Alert("a" + n, at, "user:*", "user:u" + n, "daily", at, new BigDecimal("0.8"),
        new BigDecimal("8"), new BigDecimal("10"), "USD");
  }

  /** A user's spend of 0.60 crossing the 50% level of a daily budget of 1.00, in the day of {@code at}. */
  public static Alert halfSpent(String id, Instant at, String user) {
    return new Alert(id, at, "user:*", "user:" + user, "daily", at.truncatedTo(ChronoUnit.DAYS),
        new BigDecimal("0.5"), new BigDecimal("0.60"), new BigDecimal("1.00"), "USD");
  }
}
