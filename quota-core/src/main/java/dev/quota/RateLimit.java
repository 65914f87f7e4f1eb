package dev.quota;

import dev.quota.internal.Names;
import java.time.Duration;

/**
 * {@code limit} units of {@code meter} per {@code window}. The meter is {@code requests} unless
 * named otherwise (e.g. {@code tokens}, reported by each request).
 */
public record RateLimit(String meter, long limit, Duration window, Algorithm algorithm) {
  public static final String REQUESTS = "requests";
  public static final Duration MIN_WINDOW = Duration.ofSeconds(1);
  public static final Duration MAX_WINDOW = Duration.ofDays(31);
  /**
   * The largest limit, and the count at which a sliding window saturates: 2^53-1, the largest count
   * a Lua double (the arithmetic of the Redis store) and a JSON number hold exactly.
   */
  public static final long MAX_LIMIT = (1L << 53) - 1;
  /**
   * The largest limit of a token bucket, 2^36. A bucket keeps its level in fractions of a token (at
   * most 65,536 to a token, see {@code dev.quota.internal.TokenBucket}), and a full bucket and a
   * debt of at least as much again must fit in 2^53, where every level is exact in a double too.
   */
  public static final long MAX_BUCKET_LIMIT = 1L << 36;

  public RateLimit {
    validateMeter("meter", meter);
    ValidationException.require(limit > 0, "limit", "must be a positive whole number");
    ValidationException.require(
        limit <= MAX_LIMIT, "limit", "must be at most 2^53-1 (" + MAX_LIMIT + "), the largest count kept exactly");
    validateWindow("window", window);
    ValidationException.require(algorithm != null, "algorithm", "is required");
    ValidationException.require(
        algorithm != Algorithm.TOKEN_BUCKET || limit <= MAX_BUCKET_LIMIT,
        "limit",
        "must be at most 2^36 (" + MAX_BUCKET_LIMIT + ") for a token bucket");
  }

  public static RateLimit perWindow(long limit, Duration window) {
    return new RateLimit(REQUESTS, limit, window, Algorithm.SLIDING_WINDOW);
  }

  /**
   * Refuses, naming {@code field}, a window no limit may have: shorter than a second, longer than
   * 31 days, or not a whole number of milliseconds.
   */
  public static void validateWindow(String field, Duration window) {
    ValidationException.require(window != null, field, "is required");
    ValidationException.require(
        window.compareTo(MIN_WINDOW) >= 0 && window.compareTo(MAX_WINDOW) <= 0,
        field,
        "must be between 1 second and 31 days");
    ValidationException.require(
        window.toNanos() % 1_000_000 == 0, field, "must be a whole number of milliseconds");
  }

  public static void validateMeter(String field, String meter) {
    ValidationException.require(meter != null, field, "is required");
    ValidationException.require(Names.isName(meter), field, Names.RULE);
  }

  /** A short stable name for this limit's counter, shared by every store: {@code requests/60000/sw}. */
  public String counterName() {
    return meter + "/" + window.toMillis() + (algorithm == Algorithm.SLIDING_WINDOW ? "/sw" : "/tb");
  }
}
