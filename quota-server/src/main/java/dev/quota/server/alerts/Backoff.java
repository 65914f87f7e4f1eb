package dev.quota.server.alerts;

import java.time.Duration;

/**
 * How often and how patiently a webhook delivery is retried: attempt {@code n} (1-based) that
 * fails is followed, after {@code first * 2^(n-1)} capped at {@code max}, by attempt {@code n+1},
 * up to {@code attempts} attempts in all.
 */
public record Backoff(int attempts, Duration first, Duration max) {
  /** Six attempts over about half a minute: rides out a receiver's restart, not a day-long outage. */
  public static final Backoff DEFAULT = new Backoff(6, Duration.ofSeconds(1), Duration.ofMinutes(1));

  public Backoff {
    if (attempts < 1 || attempts > 20) {
      throw new IllegalArgumentException("webhook attempts must be between 1 and 20, was " + attempts);
    }
    if (first == null || first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("webhook backoff must be positive, was " + first);
    }
    if (max == null || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("webhook maximum backoff must be at least the first backoff, was " + max);
    }
  }

  /** The wait after failed attempt {@code attempt} (1-based). */
  public Duration after(int attempt) {
    Duration d = first;
    for (int i = 1; i < attempt && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
