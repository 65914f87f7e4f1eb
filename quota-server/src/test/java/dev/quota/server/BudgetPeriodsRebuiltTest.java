package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A budget in New York that resets at 02:30 on the 31st: its month ends on 29 February at 02:30
 * EST (07:30 UTC), and on the day the clocks skip from 02:00 to 03:00 its day begins at 03:00 EDT
 * (07:00 UTC). A reservation made just before either reset and committed just after counts in the
 * period it was made in. The usage a server shows, and what a restarted one rebuilds from the
 * ledger, are those sums, on H2 and on PostgreSQL.
 */
class BudgetPeriodsRebuiltTest {
  private static final String BUDGET = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100\",\"monthly\":\"1000\","
      + "\"timezone\":\"America/New_York\",\"resetTime\":\"02:30\",\"resetDay\":31}}";

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void usageAcrossTheBudgetsOwnResetsIsCountedInItsPeriodLiveAndRebuilt(String database) {
    PostgresSchema schema = new PostgresSchema();
    String url = database.equals("h2") ? null : schema.url();
    MutableClock clock = new MutableClock(Instant.parse("2028-02-29T07:29:59Z"));
    TestServer server = TestServer.start(null, null, url, clock, List.of());
    try {
      assertThat(server.admin.put("/v1/policies/user:*", BUDGET).status()).isEqualTo(201);
      record(server, "0.10");
      String held = reserve(server);
      clock.advance(Duration.ofSeconds(2)); // 07:30:01 UTC: a new day and a new month
      commit(server, held, "0.20");
      record(server, "0.30");
      assertThat(used(server)).isEqualTo("daily 0.30 until 2028-03-01T07:30:00Z, monthly 0.30 until 2028-03-31T06:30:00Z");
      server = restart(server, url, clock);
      assertThat(used(server)).isEqualTo("daily 0.30 until 2028-03-01T07:30:00Z, monthly 0.30 until 2028-03-31T06:30:00Z");

      clock.advance(Duration.between(clock.instant(), Instant.parse("2028-03-12T06:59:59Z"))); // 01:59:59 EST
      record(server, "0.40");
      held = reserve(server);
      clock.advance(Duration.ofSeconds(2)); // 03:00:01 EDT: the 02:30 reset fell in the gap
      commit(server, held, "0.50");
      record(server, "0.60");
      assertThat(used(server)).isEqualTo("daily 0.60 until 2028-03-13T06:30:00Z, monthly 1.80 until 2028-03-31T06:30:00Z");
      server = restart(server, url, clock);
      assertThat(used(server)).isEqualTo("daily 0.60 until 2028-03-13T06:30:00Z, monthly 1.80 until 2028-03-31T06:30:00Z");
    } finally {
      server.close();
      schema.drop();
    }
  }

  private static TestServer restart(TestServer server, String url, MutableClock clock) {
    clock.advance(Duration.ofMillis(1));
    if (url == null) {
      return server.restart(clock);
    }
    server.close();
    return TestServer.start(null, null, url, clock, List.of());
  }

  private static void record(TestServer s, String cost) {
    Api.Response r = s.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"alice\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static String reserve(TestServer s) {
    Api.Response r = s.admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"0.05\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("reservationId").asText();
  }

  private static void commit(TestServer s, String reservationId, String cost) {
    Api.Response r = s.admin.post("/v1/reservations/" + reservationId + "/commit", "{\"actualCost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static String used(TestServer s) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode limit : s.admin.get("/v1/usage/user/alice").json().get("limits")) {
      sb.append(sb.length() > 0 ? ", " : "").append(limit.get("kind").asText().replace("budget_", "")).append(' ')
          .append(limit.get("used").asText()).append(" until ").append(limit.get("resetAt").asText());
    }
    return sb.toString();
  }
}
