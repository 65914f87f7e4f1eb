package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One amount is at most 9007199.254740991; what many amounts add up to is not bounded by that. A
 * cost report, its CSV and a subject's budget use past it are exact, in the usual money text.
 */
class TotalsBeyondOneAmountTest {
  static final String MAX = "9007199.254740991";
  static final String TWICE = "18014398.509481982";
  static final String THRICE = "27021597.764222973";
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded();

  @BeforeAll
  static void usage() {
    server.admin().put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
    record("big1", "openai");
    record("big1", "openai");
    record("big2", "anthropic");
  }

  @Test
  void costReportsSumPastTheMaximumOfOneAmount() {
    JsonNode byDay = ok(server.admin().get("/v1/reports/costs")).json();
    assertThat(byDay.get("rows").get(0).get("cost").asText()).isEqualTo(THRICE);
    assertThat(byDay.get("total").asText()).isEqualTo(THRICE);

    JsonNode bySubject = ok(server.admin().get("/v1/reports/costs?scope=user&groupBy=subject")).json();
    assertThat(bySubject.get("rows").findValuesAsText("cost")).containsExactly(TWICE, MAX);
    assertThat(bySubject.get("total").asText()).isEqualTo(THRICE);

    JsonNode byProvider = ok(server.admin().get("/v1/reports/costs?scope=user&id=big1&groupBy=provider")).json();
    assertThat(byProvider.get("rows").get(0).get("cost").asText()).isEqualTo(TWICE);

    assertThat(ok(server.admin().get("/v1/reports/costs?scope=user&groupBy=subject&format=csv")).body())
        .isEqualTo("subject,cost,entries,currency\r\nuser:big1," + TWICE + ",2,USD\r\nuser:big2," + MAX + ",1,USD\r\n");
  }

  @Test
  void aBudgetUsedPastTheMaximumOfOneAmountReadsExactly() {
    JsonNode budget = ok(server.admin().get("/v1/usage/user/big1")).json().get("limits").get(0);
    assertThat(budget.get("used").asText()).isEqualTo(TWICE);
    assertThat(budget.get("remaining").asText()).isEqualTo("0.00");
    JsonNode checked = ok(server.admin().post("/v1/check", "{\"subjects\":{\"user\":\"big1\"}}")).json();
    assertThat(checked.get("limits").get(0).get("used").asText()).isEqualTo(TWICE);
  }

  private static void record(String user, String provider) {
    ok(server.admin().post("/v1/usage",
        "{\"subjects\":{\"user\":\"" + user + "\",\"provider\":\"" + provider + "\"},\"cost\":\"" + MAX + "\"}"));
  }

  private static Api.Response ok(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r;
  }
}
