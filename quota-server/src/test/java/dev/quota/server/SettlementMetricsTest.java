package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /metrics counts each commit and release the engine answered, once, by operation and outcome.
 * Requests refused for their input settle nothing and are not counted, and no part of a request
 * (a reservation id, a subject) becomes a label.
 */
class SettlementMetricsTest {
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void budget() {
    server.admin().put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\"}}");
  }

  /** Every operation and outcome is a series from the start, at zero until it moves; there are no others. */
  @Test
  void everySeriesIsShownFromTheStart() {
    Map<String, Double> counts = SettlementCounts.read(server.admin());
    assertThat(counts.keySet()).containsExactlyInAnyOrder(
        "commit settled", "commit repeated", "commit unknown", "commit expired", "commit conflict", "commit failed",
        "release settled", "release repeated", "release unknown", "release expired", "release conflict", "release failed");
  }

  @Test
  void commitsAndReleasesAreCountedOnceByOutcome() {
    Map<String, Double> before = SettlementCounts.read(server.admin());

    String committed = reserve("PT1M");
    settle(committed, "commit", "{\"actualCost\":\"0.40\"}", 200);
    settle(committed, "commit", "{\"actualCost\":\"0.40\"}", 200); // a retry: repeated
    settle(committed, "commit", "{\"actualCost\":\"0.30\"}", 409);
    settle(committed, "release", null, 409);
    settle("never-made", "commit", "{\"actualCost\":\"0.40\"}", 404);
    settle("never-made", "release", null, 404);
    String released = reserve("PT1M");
    settle(released, "release", null, 200);
    settle(released, "release", null, 200);
    String late = reserve("PT5S");
    String lateToo = reserve("PT5S");
    clock.advance(Duration.ofSeconds(6));
    settle(late, "commit", "{\"actualCost\":\"0.40\"}", 410);
    settle(lateToo, "release", null, 410);
    // Refused for their input, by the server or by the engine: nothing is settled, nothing counted.
    String held = reserve("PT1M");
    settle(held, "commit", "{\"actualCost\":\"a lot\"}", 400);
    settle("r".repeat(65), "commit", "{\"actualCost\":\"0.40\"}", 400);
    settle("r".repeat(65), "release", null, 400);
    Api.Response text = server.admin().send("POST", "/v1/reservations/" + held + "/commit", "{\"actualCost\":\"0.40\"}", "Content-Type", "text/plain");
    assertThat(text.status()).as(text.toString()).isEqualTo(415);

    Map<String, Double> expected = new TreeMap<>();
    for (String series : before.keySet()) {
      expected.put(series, 0.0);
    }
    expected.put("commit settled", 1.0);
    expected.put("commit repeated", 1.0);
    expected.put("commit conflict", 1.0);
    expected.put("commit unknown", 1.0);
    expected.put("commit expired", 1.0);
    expected.put("release settled", 1.0);
    expected.put("release repeated", 1.0);
    expected.put("release conflict", 1.0);
    expected.put("release unknown", 1.0);
    expected.put("release expired", 1.0);
    assertThat(SettlementCounts.moved(before, SettlementCounts.read(server.admin()))).isEqualTo(expected);
  }

  private static String reserve(String ttl) {
    Api.Response r = server.admin().post("/v1/reservations",
        "{\"subjects\":{\"user\":\"metered\"},\"estimatedCost\":\"0.50\",\"ttl\":\"" + ttl + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("reservationId").asText();
  }

  private static void settle(String id, String operation, String body, int status) {
    Api.Response r = server.admin().post("/v1/reservations/" + id + "/" + operation, body);
    assertThat(r.status()).as(operation + " " + id + ": " + r).isEqualTo(status);
  }
}
