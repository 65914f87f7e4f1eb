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
 * a label.
 */
class DenialMetricsTest {
  private static final Pattern SERIES =
      Pattern.compile("(?m)^quota_denials_total\\{limit=\"([a-z_]+)\",operation=\"([a-z]+)\"} ([0-9.E]+)$");
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void policies() {
    server.admin().put("/v1/policies/user:fast", "{\"rateLimits\":[{\"limit\":1,\"window\":\"PT1H\"}]}");
    server.admin().put("/v1/policies/user:spender", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\",\"monthly\":\"50.00\",\"perRequest\":\"0.80\"}}");
    server.admin().put("/v1/policies/user:monthly", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"0.10\"}}");
    server.admin().put("/v1/policies/user:single", "{\"concurrency\":1}");
  }

  /** Every operation that can deny and every limit kind is a series from the start; there are no others. */
  @Test
  void everySeriesIsShownFromTheStart() {
    assertThat(read().keySet()).containsExactlyInAnyOrder(
        "check rate", "check budget_daily", "check budget_monthly", "check budget_per_request", "check concurrency",
        "reserve rate", "reserve budget_daily", "reserve budget_monthly", "reserve budget_per_request", "reserve concurrency");
  }

  @Test
  void eachDenialIsCountedOnceByTheKindOfLimitThatBound() {
    Map<String, Double> before = read();

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

    Map<String, Double> expected = new TreeMap<>();
    for (String series : before.keySet()) {
      expected.put(series, 0.0);
    }
    expected.put("reserve rate", 2.0);
    expected.put("check rate", 1.0);
    expected.put("reserve budget_per_request", 1.0);
    expected.put("reserve budget_daily", 1.0);
    expected.put("check budget_daily", 1.0);
    expected.put("reserve budget_monthly", 1.0);
    expected.put("reserve concurrency", 1.0);
    expected.put("check concurrency", 1.0);
    Map<String, Double> moved = new TreeMap<>();
    read().forEach((series, n) -> moved.put(series, n - before.getOrDefault(series, 0.0)));
    assertThat(moved).isEqualTo(expected);
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

  private static Map<String, Double> read() {
    Api.Response r = server.admin().get("/metrics");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = SERIES.matcher(r.body());
    while (m.find()) {
      counts.put(m.group(2) + " " + m.group(1), Double.parseDouble(m.group(3)));
    }
    return counts;
  }
}
