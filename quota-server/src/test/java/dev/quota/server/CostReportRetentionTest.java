package dev.quota.server;

import dev.quota.store.conformance.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.jdbc.PruneResult;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cost reports stay exact after the ledger prunes raw rows into daily rollups: the same days,
 * months, providers and subjects before and after, in JSON and CSV, on H2 and on PostgreSQL.
 * Time is a test clock that the server and the ledger both follow.
 */
class CostReportRetentionTest {
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void reportsAreTheSameBeforeAndAfterPruning(String database) throws Exception {
    PostgresSchema schema = new PostgresSchema();
    MutableClock clock = new MutableClock(Instant.parse("2030-01-10T12:00:00Z"));
    String url = database.equals("h2") ? null : schema.url();
    try (TestServer server = TestServer.start(null, null, url, clock, List.of())) {
      spend(server, "old", "openai", "1.50");
      clock.advance(Duration.ofDays(1));
      spend(server, "old", "anthropic", "0.25");
      spend(server, "other", "openai", "0.05");
      clock.advance(Duration.ofDays(44)); // 2030-02-24
      spend(server, "old", "openai", "0.10");

      Map<String, String> before = reports(server);
      assertThat(before.get("day")).isEqualTo("2030-01-10=1.50/1 2030-01-11=0.30/2 2030-02-24=0.10/1 total=1.90");
      assertThat(before.get("month-old")).isEqualTo("2030-01=1.75/2 2030-02=0.10/1 total=1.85");
      assertThat(before.get("provider-old")).isEqualTo("anthropic=0.25/1 openai=1.60/2 total=1.85");
      assertThat(before.get("subject")).isEqualTo("user:old=1.85/3 user:other=0.05/1 total=1.90");

      PruneResult pruned = server.server().pruneLedger().orElseThrow();
      // 32 days of raw rows are kept: whole days before 2030-01-23 are rolled up.
      assertThat(pruned.rolledUpBefore()).isEqualTo(LocalDate.parse("2030-01-23"));
      assertThat(pruned.rawRowsDeleted()).isEqualTo(3);

      assertThat(reports(server)).isEqualTo(before);
      assertThat(server.admin.get("/v1/reports/costs?scope=user&id=old&groupBy=day&from=2030-01-01&to=2030-03-01&format=csv").body())
          .isEqualTo("day,cost,entries,currency\r\n2030-01-10,1.50,1,\r\n2030-01-11,0.25,1,\r\n2030-02-24,0.10,1,\r\n");
    } finally {
      if (url != null) {
        schema.drop();
      }
    }
  }

  private static void spend(TestServer server, String user, String provider, String cost) {
    Api.Response r = server.admin.post("/v1/usage",
        "{\"subjects\":{\"user\":\"" + user + "\",\"provider\":\"" + provider + "\"},\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  private static Map<String, String> reports(TestServer server) {
    String range = "&from=2030-01-01&to=2030-03-01";
    Map<String, String> out = new LinkedHashMap<>();
    out.put("day", summary(server.admin.get("/v1/reports/costs?groupBy=day" + range)));
    out.put("month-old", summary(server.admin.get("/v1/reports/costs?scope=user&id=old&groupBy=month" + range)));
    out.put("provider-old", summary(server.admin.get("/v1/reports/costs?scope=user&id=old&groupBy=provider" + range)));
    out.put("subject", summary(server.admin.get("/v1/reports/costs?scope=user&groupBy=subject" + range)));
    return out;
  }

  /** "group=cost/entries ... total=T", with cost in the server's exact decimal text. */
  private static String summary(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode j = r.json();
    StringBuilder sb = new StringBuilder();
    for (JsonNode row : j.get("rows")) {
      sb.append(row.get("group").asText()).append('=').append(row.get("cost").asText()).append('/').append(row.get("entries").asLong()).append(' ');
    }
    return sb.append("total=").append(j.get("total").asText()).toString();
  }
}
