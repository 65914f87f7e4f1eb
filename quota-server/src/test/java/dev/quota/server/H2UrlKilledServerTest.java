package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server given an H2 database by its URL ({@code --database jdbc:h2:file:...}) keeps every
 * usage it acknowledged through a {@code kill -9}, as it does on the embedded default. It used to
 * open such a URL as given, and H2 delays each write by half a second unless told otherwise: a
 * killed server lost the usage it had acknowledged in its last half second.
 */
class H2UrlKilledServerTest {
  private static final int CALLS = 20;

  @Test
  void usageAcknowledgedOnAnH2UrlSurvivesAKill(@TempDir Path dir) throws Exception {
    // The dialect the schema's SQL is written in, as the embedded database has it; not the write delay.
    String database = "jdbc:h2:file:" + dir.resolve("db").resolve("quota").toAbsolutePath()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    ServerProcess server = ServerProcess.launch(dir.resolve("data"), Map.of(), "--database", database);
    try {
      Api admin = server.admin();
      for (int i = 0; i < CALLS; i++) {
        Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.01\",\"idempotencyKey\":\"call-" + i + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
      }
      server.kill(); // at once: the last calls were acknowledged within the last half second

      server = ServerProcess.launch(dir.resolve("data"), Map.of(), "--database", database);
      JsonNode report = server.admin().get("/v1/reports/costs?scope=user&id=ann").json();
      assertThat(report.get("total").asText()).as(report.toString()).isEqualTo("0.20");
      assertThat(report.get("totals").get(0).get("entries").asInt()).isEqualTo(CALLS);
    } finally {
      server.stop();
    }
  }
}
