package dev.quota;

import java.time.Duration;

/**
 * {@code limit} units of {@code meter} per {@code window}. The meter is {@code requests} unless
 * named otherwise (e.g. {@code tokens}, reported by each request).
 */
public record RateLimit(String meter, long limit, Duration window, Algorithm algorithm) {
  public static final String REQUESTS = "requests";
  public static final Duration MIN_WINDOW = Duration.ofSeconds(1);
  public static final Duration MAX_WINDOW = Duration.ofDays(31);
  /** limit x window(ms) must stay exact in a double, the arithmetic of the Redis store. */
  public static final long MAX_SCALED = 1L << 53;

  public RateLimit {
    validateMeter("meter", meter);
    ValidationException.require(limit > 0, "limit", "must be a positive whole number");
    ValidationException.require(window != null, "window", "is required");
    ValidationException.require(
        window.compareTo(MIN_WINDOW) >= 0 && window.compareTo(MAX_WINDOW) <= 0,
        "window",
        "must be between 1 second and 31 days");
    ValidationException.require(
        window.toNanos() % 1_000_000 == 0, "window", "must be a whole number of milliseconds");
    ValidationException.require(algorithm != null, "algorithm", "is required");
    ValidationException.require(
        limit <= MAX_SCALED / window.toMillis(),
        "limit",
        "limit x window in milliseconds must be at most 2^53 (here at most "
            + MAX_SCALED / window.toMillis()
            + ")");
  }

  public static RateLimit perWindow(long limit, Duration window) {
    return new RateLimit(REQUESTS, limit, window, Algorithm.SLIDING_WINDOW);
  }

  public static void validateMeter(String field, String meter) {
    ValidationException.require(meter != null, field, "is required");
    ValidationException.require(dev.quota.internal.Names.isName(meter), field, dev.quota.internal.Names.RULE);
  }

  /** A short stable name for this limit's counter, shared by every store: {@code requests/60000/sw}. */
  public String counterName() {
    return meter + "/" + window.toMillis() + (algorithm == Algorithm.SLIDING_WINDOW ? "/sw" : "/tb");
  }
}
