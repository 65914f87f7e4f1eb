package dev.quota.redis;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clock, which Redis time follows on this host, plus a test's offset: an engine given
 * this clock and a store given the same offset ({@code testClockOffset}) share one moved time, so
 * nothing waits for time to pass.
 */
final class RedisTimeClock extends Clock {
  private final AtomicLong offsetMs;

  RedisTimeClock(AtomicLong offsetMs) {
    this.offsetMs = offsetMs;
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMs.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a test clock has one zone: UTC");
  }
}
