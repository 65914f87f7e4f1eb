package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A platform with euro and dollar budgets: the cost report gives each group a row per currency,
 * one total per currency, and no total of the whole report, since that would add euros to dollars.
 * Spend no budget counted is a total of its own. The same before and after the ledger prunes its
 * raw rows into rollups, in JSON and CSV, on H2 and on PostgreSQL.
 */
class CostReportCurrenciesTest {
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void eachCurrencyIsReportedApartAndNeverAddedToAnother(String database) throws Exception {
    PostgresSchema schema = new PostgresSchema();
    MutableClock clock = new MutableClock(Instant.parse("2030-01-10T12:00:00Z"));
    String url = database.equals("h2") ? null : schema.url();
    try (TestServer server = TestServer.start(null, null, url, clock, List.of())) {
      budget(server, "team:eu", "EUR");
      budget(server, "team:us", "USD");
      spend(server, "ann", "eu", "openai", "1.10");
      spend(server, "bob", "us", "openai", "2.00");
      spend(server, "cy", null, "anthropic", "0.05"); // no budget counts it
      // A commit is in the currency of the budgets that held its reservation.
      Api.Response held = server.admin.post("/v1/reservations",
          "{\"subjects\":{\"user\":\"ann\",\"team\":\"eu\",\"provider\":\"openai\"},\"estimatedCost\":\"1.00\"}");
      assertThat(held.status()).as(held.toString()).isEqualTo(201);
      Api.Response commit = server.admin.post(
          "/v1/reservations/" + held.json().get("reservationId").asText() + "/commit", "{\"actualCost\":\"0.40\"}");
      assertThat(commit.status()).as(commit.toString()).isEqualTo(200);
      clock.advance(Duration.ofDays(44)); // 2030-02-23: January's raw rows can be pruned
      spend(server, "bob", "us", "anthropic", "0.10");

      Map<String, String> before = reports(server);
      assertThat(before.get("day")).isEqualTo(
          "2030-01-10=1.50 EUR/2 2030-01-10=2.00 USD/1 2030-01-10=0.05 -/1 2030-02-23=0.10 USD/1"
              + " | totals 1.50 EUR/2 2.10 USD/2 0.05 -/1 | total=null currency=null");
      assertThat(before.get("subject")).isEqualTo(
          "user:ann=1.50 EUR/2 user:bob=2.10 USD/2 user:cy=0.05 -/1"
              + " | totals 1.50 EUR/2 2.10 USD/2 0.05 -/1 | total=null currency=null");
      assertThat(before.get("provider")).isEqualTo(
          "anthropic=0.10 USD/1 anthropic=0.05 -/1 openai=1.50 EUR/2 openai=2.00 USD/1"
              + " | totals 1.50 EUR/2 2.10 USD/2 0.05 -/1 | total=null currency=null");
      // A report in one currency has its one total, and says which currency it is in.
      assertThat(before.get("team-eu")).isEqualTo("2030-01=1.50 EUR/2 | totals 1.50 EUR/2 | total=1.50 currency=EUR");
      assertThat(before.get("user-cy")).isEqualTo("2030-01=0.05 -/1 | totals 0.05 -/1 | total=0.05 currency=null");

      assertThat(server.server().pruneLedger().orElseThrow().rawRowsDeleted()).isEqualTo(4);
      assertThat(reports(server)).isEqualTo(before);
      assertThat(server.admin.get("/v1/reports/costs?groupBy=provider&from=2030-01-01&to=2030-03-01&format=csv").body())
          .isEqualTo("provider,cost,entries,currency\r\n"
              + "anthropic,0.10,1,USD\r\nanthropic,0.05,1,\r\nopenai,1.50,2,EUR\r\nopenai,2.00,1,USD\r\n");
    } finally {
      if (url != null) {
        schema.drop();
      }
    }
  }

  private static void budget(TestServer server, String selector, String currency) {
    Api.Response r = server.admin.put("/v1/policies/" + selector,
        "{\"budget\":{\"currency\":\"" + currency + "\",\"daily\":\"100.00\"}}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  private static void spend(TestServer server, String user, String team, String provider, String cost) {
    String subjects = "\"user\":\"" + user + "\",\"provider\":\"" + provider + "\""
        + (team == null ? "" : ",\"team\":\"" + team + "\"");
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{" + subjects + "},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static Map<String, String> reports(TestServer server) {
    String range = "&from=2030-01-01&to=2030-03-01";
    Map<String, String> out = new LinkedHashMap<>();
    out.put("day", summary(server.admin.get("/v1/reports/costs?groupBy=day" + range)));
    out.put("subject", summary(server.admin.get("/v1/reports/costs?scope=user&groupBy=subject" + range)));
    out.put("provider", summary(server.admin.get("/v1/reports/costs?groupBy=provider" + range)));
    out.put("team-eu", summary(server.admin.get("/v1/reports/costs?scope=team&id=eu&groupBy=month" + range)));
    out.put("user-cy", summary(server.admin.get("/v1/reports/costs?scope=user&id=cy&groupBy=month" + range)));
    return out;
  }

  /** "group=cost currency/entries ... | totals cost currency/entries ... | total=T currency=C"; "-" is no currency. */
  private static String summary(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode j = r.json();
    StringBuilder sb = new StringBuilder();
    for (JsonNode row : j.get("rows")) {
      sb.append(row.get("group").asText()).append('=').append(amount(row)).append(' ');
    }
    sb.append("| totals");
    for (JsonNode total : j.get("totals")) {
      sb.append(' ').append(amount(total));
    }
    return sb.append(" | total=").append(j.get("total").asText()).append(" currency=").append(j.get("currency").asText()).toString();
  }

  private static String amount(JsonNode o) {
    String currency = o.get("currency").isNull() ? "-" : o.get("currency").asText();
    return o.get("cost").asText() + " " + currency + "/" + o.get("entries").asLong();
  }
}
