package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * On an embedded server, a reset after a restart answered 204 and changed nothing: the budget it
 * deleted was seeded back from the ledger with the spend it had forgiven. And a reset before a
 * restart was undone by the restart, the same way.
 */
class ResetAfterRestartTest {
  private static final String ALICE = "/v1/subjects/user/alice/reset";
  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12)));

  private static void spend(Api admin, String cost) {
    Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"alice\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static String reserve(Api admin, String cost) {
    Api.Response r = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("reservationId").asText();
  }

  private static void commit(Api admin, String reservationId, String cost) {
    Api.Response r = admin.post("/v1/reservations/" + reservationId + "/commit", "{\"actualCost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static String usedToday(Api admin) {
    for (JsonNode limit : admin.get("/v1/usage/user/alice").json().get("limits")) {
      if (limit.get("kind").asText().equals("budget_daily")) {
        return limit.get("used").asText();
      }
    }
    throw new AssertionError("no daily budget");
  }

  private static boolean admits(Api admin, String cost) {
    return admin.post("/v1/check", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"" + cost + "\"}")
        .json().get("admitted").asBoolean();
  }

  @Test
  void aResetAfterARestartFreesTheBudgetAndTheNextRestartKeepsIt() {
    TestServer first = TestServer.embedded(clock);
    assertThat(first.admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}").status())
        .isEqualTo(201);
    spend(first.admin, "0.60");
    clock.advance(Duration.ofMinutes(5));
    TestServer second = first.restart(clock);
    try {
      assertThat(usedToday(second.admin)).isEqualTo("0.60");
      assertThat(second.admin.post(ALICE, "{\"reason\":\"support ticket\"}").status()).isEqualTo(204);
      assertThat(usedToday(second.admin)).isEqualTo("0.00");
      assertThat(admits(second.admin, "0.90")).isTrue();
      clock.advance(Duration.ofMinutes(1));
      spend(second.admin, "0.25");
      clock.advance(Duration.ofMinutes(5));
      second = second.restart(clock);

      assertThat(usedToday(second.admin)).isEqualTo("0.25");
      assertThat(admits(second.admin, "0.76")).isFalse();
      // The report still shows everything spent today: a reset forgives, it does not erase.
      JsonNode report = second.admin.get("/v1/reports/costs?scope=user&id=alice").json();
      assertThat(report.get("total").asText()).isEqualTo("0.85");
    } finally {
      second.close();
    }
  }

  /**
   * A reservation open across a reset and committed after it: the reset forgave it, so the live
   * budget never counted it, yet a restart rebuilt the budget with it from the ledger.
   */
  @Test
  void aReservationOpenAcrossAResetIsNotCountedAgainAfterARestart() {
    TestServer server = TestServer.embedded(clock);
    try {
      assertThat(server.admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}").status())
          .isEqualTo(201);
      String open = reserve(server.admin, "0.40");
      clock.advance(Duration.ofMinutes(1));
      assertThat(server.admin.post(ALICE, "{\"reason\":\"support ticket\"}").status()).isEqualTo(204);
      clock.advance(Duration.ofMinutes(1));
      spend(server.admin, "0.25");
      commit(server.admin, open, "0.35");
      String live = usedToday(server.admin);
      assertThat(live).isEqualTo("0.25");
      clock.advance(Duration.ofMinutes(5));
      server = server.restart(clock);

      assertThat(usedToday(server.admin)).isEqualTo(live);
      assertThat(admits(server.admin, "0.76")).isFalse();
      assertThat(admits(server.admin, "0.75")).isTrue();
    } finally {
      server.close();
    }
  }
}
