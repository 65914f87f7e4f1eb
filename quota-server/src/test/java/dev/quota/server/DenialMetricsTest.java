package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /metrics counts each denied check and reservation once, by the kind of the limit that bound, so
 * a dashboard tells users out of budget from users calling too fast; no subject or policy becomes
 * a label. Limits in shadow mode that would have denied are counted apart.
 */
class DenialMetricsTest {
  private static final String DENIALS = "quota_denials_total";
  private static final String SHADOW_DENIALS = "quota_shadow_denials_total";
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void policies() {
    server.admin().put("/v1/policies/user:fast", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    server.admin().put("/v1/policies/user:spender", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"monthly\":\"50.00\",\"perRequest\":\"0.80\"}}");
    server.admin().put("/v1/policies/user:monthly", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"0.10\"}}");
    server.admin().put("/v1/policies/user:single", "{\"concurrency\":1}");
    server.admin().put("/v1/policies/user:watched",
        "{\"mode\":\"shadow\",\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}],\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
  }

  /** Every operation that can deny and every limit kind is a series from the start; there are no others. */
  @Test
  void everySeriesIsShownFromTheStart() {
    assertThat(read(SHADOW_DENIALS).keySet()).isEqualTo(read(DENIALS).keySet());
    assertThat(read(DENIALS).keySet()).containsExactlyInAnyOrder(
        "check rate", "check budget_daily", "check budget_monthly", "check budget_per_request", "check concurrency",
        "reserve rate", "reserve budget_daily", "reserve budget_monthly", "reserve budget_per_request", "reserve concurrency");
  }

  @Test
  void eachDenialIsCountedOnceByTheKindOfLimitThatBound() {
    Map<String, Double> before = read(DENIALS);

    reserve("fast", "0", 201);
    reserve("fast", "0", 429);
    reserve("fast", "0", 429);
    check("fast", "0", false);
    reserve("spender", "0.90", 429); // over the per-request cap
    reserve("spender", "0.70", 201);
    reserve("spender", "0.70", 429); // over the day's budget
    check("spender", "0.70", false);
    reserve("monthly", "0.20", 429);
    reserve("single", "0", 201);
    reserve("single", "0", 429);
    check("single", "0", false);
    // Admitted calls and recorded usage deny nothing.
    check("spender", "0.10", true);
    Api.Response usage = server.admin().post("/v1/usage", "{\"subjects\":{\"user\":\"fast\"},\"cost\":\"5.00\"}");
    assertThat(usage.status()).as(usage.toString()).isEqualTo(200);

    Map<String, Double> expected = zeros(before);
    expected.put("reserve rate", 2.0);
    expected.put("check rate", 1.0);
    expected.put("reserve budget_per_request", 1.0);
    expected.put("reserve budget_daily", 1.0);
    expected.put("check budget_daily", 1.0);
    expected.put("reserve budget_monthly", 1.0);
    expected.put("reserve concurrency", 1.0);
    expected.put("check concurrency", 1.0);
    assertThat(moved(before, read(DENIALS))).isEqualTo(expected);
  }

  /**
   * A limit in shadow mode denies nothing, but each one a call takes past its amount is counted
   * apart, so a dashboard shows what a limit would deny before it is enforced.
   */
  @Test
  void shadowLimitsPastTheirAmountAreCountedApartFromDenials() {
    Map<String, Double> denialsBefore = read(DENIALS);
    Map<String, Double> before = read(SHADOW_DENIALS);

    reserve("watched", "0.60", 201);
    reserve("watched", "0.60", 201); // past the rate limit and the day's budget, both in shadow
    check("watched", "0.10", true); // both again

    Map<String, Double> expected = zeros(before);
    expected.put("reserve rate", 1.0);
    expected.put("reserve budget_daily", 1.0);
    expected.put("check rate", 1.0);
    expected.put("check budget_daily", 1.0);
    assertThat(moved(before, read(SHADOW_DENIALS))).isEqualTo(expected);
    assertThat(moved(denialsBefore, read(DENIALS))).isEqualTo(zeros(denialsBefore));
  }

  private static Map<String, Double> zeros(Map<String, Double> series) {
    Map<String, Double> zeros = new TreeMap<>();
    series.keySet().forEach(s -> zeros.put(s, 0.0));
    return zeros;
  }

  private static Map<String, Double> moved(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> moved = new TreeMap<>();
    after.forEach((series, n) -> moved.put(series, n - before.getOrDefault(series, 0.0)));
    return moved;
  }

  private static void reserve(String user, String cost, int status) {
    Api.Response r = server.admin().post("/v1/reservations",
        "{\"subjects\":{\"user\":\"" + user + "\"},\"estimatedCost\":\"" + cost + "\",\"ttl\":\"PT1H\"}");
    assertThat(r.status()).as("reserve for " + user + ": " + r).isEqualTo(status);
  }

  /** A check answers 200 whether it would admit or not. */
  private static void check(String user, String cost, boolean admitted) {
    Api.Response r = server.admin().post("/v1/check", "{\"subjects\":{\"user\":\"" + user + "\"},\"estimatedCost\":\"" + cost + "\"}");
    assertThat(r.status()).as("check for " + user + ": " + r).isEqualTo(200);
    assertThat(r.json().get("admitted").asBoolean()).as("check for " + user + ": " + r).isEqualTo(admitted);
  }

  /** The series of {@code name} by {@code operation limit}. */
  private static Map<String, Double> read(String name) {
    Api.Response r = server.admin().get("/metrics");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = Pattern.compile("(?m)^" + name + "\\{limit=\"([a-z_]+)\",operation=\"([a-z]+)\"} ([0-9.E]+)$").matcher(r.body());
    while (m.find()) {
      counts.put(m.group(2) + " " + m.group(1), Double.parseDouble(m.group(3)));
    }
    return counts;
  }
}
