package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Paging the alert history and the audit trail while new rows are stored between pages. Rows come
 * newest first, so each new row shifted every offset by one and the next page by offset repeated
 * the previous page's last rows. Each full page now gives a {@code nextCursor}, the position of its
 * last row, and the page after it is read from there: every row once, on H2 and on PostgreSQL.
 */
class HistoryCursorTest {
  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void pagesByCursorNeitherRepeatNorSkipRowsStoredBetweenThem(String database) throws InterruptedException {
    PostgresSchema schema = database.equals("postgresql") ? new PostgresSchema() : null;
    try (TestServer server = TestServer.start(null, null, schema == null ? null : schema.url())) {
      Api admin = server.admin;
      assertThat(admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}")
          .status()).isEqualTo(201);
      for (int i = 0; i < 5; i++) {
        spend(server, "u" + i);
      }
      List<String> alerts = ids(admin.get("/v1/alerts?limit=50").json().get("alerts"));
      List<String> audit = ids(admin.get("/v1/audit?limit=50").json().get("entries"));
      assertThat(alerts).hasSize(5);

      JsonNode firstAlerts = admin.get("/v1/alerts?limit=2").json();
      JsonNode firstAudit = admin.get("/v1/audit?limit=2").json();
      // Stored between the first page and the next: newer than every row read so far.
      spend(server, "late1");
      spend(server, "late2");

      assertThat(readOn(admin, "/v1/alerts?limit=2", "alerts", firstAlerts)).containsExactlyElementsOf(alerts);
      assertThat(readOn(admin, "/v1/audit?limit=2", "entries", firstAudit)).containsExactlyElementsOf(audit);
      // What an offset would have read: the first page's last row again.
      assertThat(ids(admin.get("/v1/alerts?limit=2&offset=2").json().get("alerts"))).contains(alerts.get(1));
    } finally {
      if (schema != null) {
        schema.drop();
      }
    }
  }

  /** Spends past the alert threshold of {@code user}'s budget: one alert and one audit entry (a reset) each. */
  private static void spend(TestServer server, String user) throws InterruptedException {
    Api.Response r = server.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.60\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(server.admin.post("/v1/subjects/user/" + user + "/reset", null).status()).isEqualTo(204);
    assertThat(server.server().quota().drainAlerts(Duration.ofSeconds(10))).isTrue();
  }

  /** The rows of {@code first} and of every page after it, following each page's nextCursor. */
  private static List<String> readOn(Api admin, String path, String items, JsonNode first) {
    List<String> read = new ArrayList<>(ids(first.get(items)));
    JsonNode page = first;
    while (page.has("nextCursor")) {
      Api.Response r = admin.get(path + "&cursor=" + URLEncoder.encode(page.get("nextCursor").asText(), StandardCharsets.UTF_8));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      page = r.json();
      assertThat(page.has("offset")).isFalse();
      read.addAll(ids(page.get(items)));
    }
    return read;
  }

  private static List<String> ids(JsonNode rows) {
    List<String> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.get("id").asText()));
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/alerts", "/v1/audit"})
  void aCursorNoPageGaveOutIsRefusedNamingTheField(String path) {
    try (TestServer server = TestServer.embedded()) {
      for (String cursor : List.of("nonsense!", cursor("alerts\n2026-01-01T00:00:00Z"), cursor("audit\n-1"),
          cursor("alerts\n+10000-01-01T00:00:00Z\na1"), cursor("alerts\n2026-01-01T00:00:00Z\na\u0000"),
          cursor("audit\n99999999999999999999"), cursor(path.equals("/v1/alerts") ? "audit\n1" : "alerts\n2026-01-01T00:00:00Z\na1"))) {
        Api.Response r = server.admin.get(path + "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        assertThat(r.status()).as(cursor).isEqualTo(400);
        assertThat(r.json().get("field").asText()).isEqualTo("cursor");
        assertThat(r.json().get("rule").asText()).isEqualTo("must be a nextCursor given by a page of this list, as it was given");
      }
      Api.Response both = server.admin.get(path + "?offset=0&cursor=" + cursor(path.equals("/v1/alerts") ? "alerts\n2026-01-01T00:00:00Z\na1" : "audit\n5"));
      assertThat(both.status()).as(both.toString()).isEqualTo(400);
      assertThat(both.json().get("field").asText()).isEqualTo("cursor");
    }
  }

  private static String cursor(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
