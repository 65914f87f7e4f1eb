package dev.quota;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so. */
public final class ManualClock extends Clock {
  private final AtomicLong millis;

  public ManualClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  public static ManualClock at(String instant) {
    return new ManualClock(Instant.parse(instant));
  }

  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }

  public void set(Instant at) {
    millis.set(at.toEpochMilli());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
