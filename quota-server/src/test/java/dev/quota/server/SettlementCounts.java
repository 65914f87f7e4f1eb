package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code quota_settlements_total} series /metrics shows, by {@code operation outcome}. */
final class SettlementCounts {
  private static final Pattern SERIES =
      Pattern.compile("(?m)^quota_settlements_total\\{operation=\"([a-z]+)\",outcome=\"([a-z]+)\"} ([0-9.E]+)$");

  private SettlementCounts() {}

  static Map<String, Double> read(Api admin) {
    Api.Response r = admin.get("/metrics");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    Map<String, Double> counts = new TreeMap<>();
    Matcher m = SERIES.matcher(r.body());
    while (m.find()) {
      counts.put(m.group(1) + " " + m.group(2), Double.parseDouble(m.group(3)));
    }
    return counts;
  }

  /** How far each series moved from {@code before} to {@code after}. */
  static Map<String, Double> moved(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> moved = new TreeMap<>();
    after.forEach((series, n) -> moved.put(series, n - before.getOrDefault(series, 0.0)));
    return moved;
  }
}
