package dev.quota;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The limits bound to one {@link Selector}: any combination of rate limits, a cost budget and a
 * concurrency cap, plus alert thresholds and a mode. Immutable and validated on construction.
 */
public record Policy(
    Selector selector,
    List<RateLimit> rateLimits,
    Budget budget,
    Integer concurrency,
    List<BigDecimal> alertThresholds,
    Mode mode,
    FailMode failMode) {

  /** Decimal places of an alert threshold, as alerts store it. */
  public static final int THRESHOLD_SCALE = 9;

  public static final List<BigDecimal> DEFAULT_THRESHOLDS =
      List.of(new BigDecimal("0.8"), new BigDecimal("0.9"), new BigDecimal("0.95"));

  public Policy {
    ValidationException.require(selector != null, "selector", "is required");
    if (rateLimits != null) {
      for (int i = 0; i < rateLimits.size(); i++) {
        // Checked before the copy, which would refuse a null with a NullPointerException naming nothing.
        ValidationException.require(rateLimits.get(i) != null, "rateLimits[" + i + "]", "is required");
      }
    }
    rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
    requireDistinct(rateLimits);
    ValidationException.require(
        concurrency == null || concurrency > 0, "concurrency", "must be a positive whole number");
    alertThresholds = alertThresholds == null ? DEFAULT_THRESHOLDS : sortedThresholds(alertThresholds);
    mode = mode == null ? Mode.ENFORCE : mode;
    failMode = failMode == null ? FailMode.CLOSED : failMode;
    ValidationException.require(
        !rateLimits.isEmpty() || budget != null || concurrency != null,
        "policy",
        "must hold at least one rate limit, a budget or a concurrency cap");
  }

  /** Refuses rate limits two of which would count in one counter: the same meter, window and algorithm. */
  public static void requireDistinct(List<RateLimit> rateLimits) {
    Set<String> names = new HashSet<>();
    for (RateLimit r : rateLimits) {
      ValidationException.require(
          names.add(r.counterName()),
          "rateLimits",
          "must not repeat the same meter, window and algorithm");
    }
  }

  /**
   * Distinct fractions in (0, 1) with at most nine decimals (what an alert records exactly), in
   * their shortest form, sorted. 1 is not one: an exhausted budget always alerts. Each refusal
   * names the value by its place in {@code thresholds}.
   */
  public static List<BigDecimal> sortedThresholds(List<BigDecimal> thresholds) {
    ValidationException.require(thresholds.size() <= 8, "alertThresholds", "must hold at most 8 values");
    List<BigDecimal> sorted = new ArrayList<>(thresholds.size());
    for (int i = 0; i < thresholds.size(); i++) {
      BigDecimal t = thresholds.get(i);
      String field = "alertThresholds[" + i + "]";
      ValidationException.require(
          t != null && t.signum() > 0 && t.compareTo(BigDecimal.ONE) < 0,
          field,
          "must be a fraction greater than 0 and less than 1");
      BigDecimal shortest = t.stripTrailingZeros();
      ValidationException.require(shortest.scale() <= THRESHOLD_SCALE, field, "must have at most 9 decimal places");
      for (BigDecimal earlier : sorted) {
        ValidationException.require(earlier.compareTo(shortest) != 0, field, "must not repeat an earlier threshold");
      }
      sorted.add(shortest);
    }
    sorted.sort(null);
    return List.copyOf(sorted);
  }

  public static Builder builder(Selector selector) {
    return new Builder(selector);
  }

  public static Builder builder(String selector) {
    return new Builder(Selector.parse(selector));
  }

  public Builder toBuilder() {
    Builder b = new Builder(selector);
    b.rateLimits.addAll(rateLimits);
    b.budget = budget;
    b.concurrency = concurrency;
    b.thresholds = alertThresholds;
    b.mode = mode;
    b.failMode = failMode;
    return b;
  }

  /** Fluent construction; {@link #build()} validates. */
  public static final class Builder {
    private Selector selector;
    private final List<RateLimit> rateLimits = new ArrayList<>();
    private Budget budget;
    private Integer concurrency;
    private List<BigDecimal> thresholds;
    private Mode mode;
    private FailMode failMode;

    private Builder(Selector selector) {
      this.selector = selector;
    }

    public Builder selector(Selector s) {
      this.selector = s;
      return this;
    }

    public Builder rateLimit(RateLimit r) {
      rateLimits.add(r);
      return this;
    }

    public Builder rateLimit(long limit, Duration window) {
      return rateLimit(RateLimit.perWindow(limit, window));
    }

    public Builder budget(Budget b) {
      this.budget = b;
      return this;
    }

    public Builder concurrency(int max) {
      this.concurrency = max;
      return this;
    }

    public Builder alertThresholds(List<BigDecimal> t) {
      this.thresholds = t;
      return this;
    }

    public Builder mode(Mode m) {
      this.mode = m;
      return this;
    }

    public Builder failMode(FailMode f) {
      this.failMode = f;
      return this;
    }

    public Policy build() {
      return new Policy(selector, rateLimits, budget, concurrency, thresholds, mode, failMode);
    }
  }
}
