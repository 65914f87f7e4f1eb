package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/**
 * A budget of a scope of the platform's own (org:acme) is rebuilt from the ledger like a built-in
 * one's after the counters are lost (an embedded server restarted), now that the ledger also keeps
 * such subjects beside its rows for reports; the report and the budget agree.
 */
class CustomScopeBudgetRebuiltTest {
  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(12)));

  @Test
  void anOrgsBudgetIsRebuiltFromTheLedgerAfterARestart() {
    TestServer first = TestServer.embedded(clock);
    TestServer second = first;
    try {
      assertThat(first.admin.put("/v1/policies/org:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}").status())
          .isEqualTo(201);
      spend(first.admin, "acme", "0.60");
      spend(first.admin, "globex", "0.30");
      clock.advance(Duration.ofMinutes(5));
      second = first.restart(clock);

      assertThat(usedToday(second.admin, "acme")).isEqualTo("0.60");
      assertThat(second.admin.post("/v1/check", "{\"subjects\":{\"org\":\"acme\"},\"estimatedCost\":\"0.41\"}")
          .json().get("admitted").asBoolean()).isFalse();
      JsonNode report = second.admin.get("/v1/reports/costs?scope=org&id=acme").json();
      assertThat(report.get("total").asText()).isEqualTo("0.60");
      assertThat(report.get("currency").asText()).isEqualTo("USD");
    } finally {
      second.close();
    }
  }

  private static void spend(Api admin, String org, String cost) {
    Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"org\":\"" + org + "\",\"user\":\"u-" + org + "\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static String usedToday(Api admin, String org) {
    for (JsonNode limit : admin.get("/v1/usage/org/" + org).json().get("limits")) {
      if (limit.get("kind").asText().equals("budget_daily")) {
        return limit.get("used").asText();
      }
    }
    throw new AssertionError("no daily budget");
  }
}
