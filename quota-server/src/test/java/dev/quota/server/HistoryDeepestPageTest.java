package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Paging through a history of more than a million entries: the page at the deepest offset the API
 * takes (1,000,000) was full, so it named a next offset past it, and a client following
 * {@code nextOffset} as it is meant to got a 400 for it. A page names only a next offset the API takes.
 */
class HistoryDeepestPageTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', quoteCharacter = '"', value = {
      "/v1/audit  ; entries ; INSERT INTO audit_log (at, actor, action, target, reason)"
          + " SELECT now(), 'ops', 'policy.update', 'user:*', '' FROM generate_series(1, 1000002)",
      "/v1/alerts ; alerts  ; INSERT INTO alert (id, at, policy, subject, period, period_start, threshold, used_amount,"
          + " limit_amount, currency, delivery_state, delivery_attempts) SELECT 'a' || g, now(), 'user:*', 'user:alice',"
          + " 'daily', now(), 0.8, 0.8, 1, 'USD', 'none', 0 FROM generate_series(1, 1000002) AS g"})
  void everyNextOffsetIsOneTheApiTakes(String path, String items, String fill) throws SQLException {
    PostgresSchema schema = new PostgresSchema();
    try (TestServer server = TestServer.start(null, null, schema.url(), java.time.Clock.systemUTC(), List.of())) {
      try (var c = DriverManager.getConnection(schema.url()); var s = c.createStatement()) {
        s.execute(fill);
      }
      String next = "999999";
      int pages = 0;
      while (next != null) {
        Api.Response r = server.admin.get(path + "?limit=1&offset=" + next);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode page = r.json();
        assertThat(page.get(items)).hasSize(1);
        next = page.has("nextOffset") ? page.get("nextOffset").asText() : null;
        pages++;
      }
      // 999,999 and 1,000,000: deeper pages are reached by narrowing the range with to.
      assertThat(pages).isEqualTo(2);
    } finally {
      schema.drop();
    }
  }
}
