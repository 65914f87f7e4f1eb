package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A platform with an {@code org} scope of its own asks the cost report what an org spent, by
 * provider, tool and day, and what each org spent, over HTTP, on H2 and on PostgreSQL; a viewer key
 * bound to an org reads that org's report alone. Bad scopes are refused naming the parameter, and
 * so is a report on such a scope reaching back into days the ledger keeps only as rollups.
 */
class CustomScopeCostReportTest {
  private static final String RANGE = "&from=2030-01-01&to=2030-02-01";

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void reportsFilterAndGroupByAScopeOfThePlatformsOwn(String database) throws Exception {
    PostgresSchema schema = new PostgresSchema();
    MutableClock clock = new MutableClock(Instant.parse("2030-01-10T12:00:00Z"));
    String url = database.equals("h2") ? null : schema.url();
    try (TestServer server = TestServer.start(null, null, url, clock, List.of())) {
      spend(server, "{\"org\":\"acme\",\"user\":\"ann\",\"provider\":\"openai\",\"tool\":\"web_search\"}", "1.10");
      spend(server, "{\"org\":\"acme\",\"user\":\"bob\",\"provider\":\"anthropic\",\"tool\":\"web_search\"}", "2.00");
      spend(server, "{\"org\":\"globex\",\"user\":\"cy\",\"provider\":\"openai\"}", "4.00");
      spend(server, "{\"user\":\"dee\",\"provider\":\"openai\"}", "8.00");
      clock.advance(Duration.ofDays(1));
      spend(server, "{\"org\":\"acme\",\"user\":\"ann\",\"provider\":\"openai\",\"tool\":\"image_gen\"}", "0.25");

      assertOrgReports(server);
      assertThat(server.admin.get("/v1/reports/costs?scope=org&groupBy=subject&format=csv" + RANGE).body())
          .isEqualTo("subject,cost,entries,currency\r\norg:acme,3.35,3,\r\norg:globex,4.00,1,\r\n");

      Api acmeViewer = server.key("acme-dashboard", "viewer", "org:acme");
      assertThat(rows(acmeViewer.get("/v1/reports/costs?scope=org&id=acme&groupBy=provider" + RANGE)))
          .containsExactly("anthropic=2.00/1", "openai=1.35/2");
      assertThat(acmeViewer.get("/v1/reports/costs?scope=org&id=globex" + RANGE).status()).isEqualTo(403);

      refused(server.admin.get("/v1/reports/costs?scope=Org&id=acme" + RANGE), "scope");
      refused(server.admin.get("/v1/reports/costs?scope=org-unit&groupBy=subject" + RANGE), "scope");
      refused(server.admin.get("/v1/reports/costs?scope=org&groupBy=org" + RANGE), "groupBy");
      refused(server.admin.get("/v1/reports/costs?scope=org&groupBy=provider" + RANGE), "id");

      // 44 days on, January's raw rows are rolled up: reports on org cover those days as the
      // built-in scopes' do, from the daily totals of each org.
      clock.advance(Duration.ofDays(44));
      server.server().pruneLedger().orElseThrow();
      assertThat(rows(server.admin.get("/v1/reports/costs?scope=user&id=ann&groupBy=provider" + RANGE)))
          .containsExactly("openai=1.35/2");
      assertOrgReports(server);
      assertThat(rows(acmeViewer.get("/v1/reports/costs?scope=org&id=acme&groupBy=month&from=2029-03-01&to=2030-03-01")))
          .containsExactly("2030-01=3.35/3");
    } finally {
      if (url != null) {
        schema.drop();
      }
    }
  }

  private static void spend(TestServer server, String subjects, String cost) {
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":" + subjects + ",\"cost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }

  /** "group=cost/entries" per row. */
  private static List<String> rows(Api.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    for (JsonNode row : r.json().get("rows")) {
      out.add(row.get("group").asText() + "=" + row.get("cost").asText() + "/" + row.get("entries").asLong());
    }
    return out;
  }

  private static void refused(Api.Response r, String field) {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.body()).as(r.toString()).contains("\"field\":\"" + field + "\"");
  }

  /** The reports on org of the usage spent above, the same from raw rows and from daily totals. */
  private static void assertOrgReports(TestServer server) {
    assertThat(rows(server.admin.get("/v1/reports/costs?scope=org&id=acme&groupBy=provider" + RANGE)))
        .containsExactly("anthropic=2.00/1", "openai=1.35/2");
    assertThat(rows(server.admin.get("/v1/reports/costs?scope=org&id=acme&groupBy=tool" + RANGE)))
        .containsExactly("image_gen=0.25/1", "web_search=3.10/2");
    assertThat(rows(server.admin.get("/v1/reports/costs?scope=org&id=acme&groupBy=day" + RANGE)))
        .containsExactly("2030-01-10=3.10/2", "2030-01-11=0.25/1");
    assertThat(rows(server.admin.get("/v1/reports/costs?scope=org&groupBy=subject" + RANGE)))
        .containsExactly("org:acme=3.35/3", "org:globex=4.00/1");
    // Usage that names no org is left out of a report on the scope, as for a built-in one.
    assertThat(rows(server.admin.get("/v1/reports/costs?scope=org&groupBy=month" + RANGE)))
        .containsExactly("2030-01=7.35/4");
  }
}
