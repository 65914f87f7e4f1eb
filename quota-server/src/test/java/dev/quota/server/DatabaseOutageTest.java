package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With PostgreSQL unreachable, admin and report routes answer 503 {@code database-unavailable}
 * (they answered a bare 500 {@code internal-error}), and work again once it is back. The test takes
 * away a database of its own: it refuses new connections and ends the pool's open ones.
 */
class DatabaseOutageTest {
  private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
  private static final String POLICY = "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}";

  private final String database = "qs_down_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private TestServer server;

  @BeforeEach
  void createDatabase() throws SQLException {
    sql("CREATE DATABASE " + database);
    server = TestServer.start(null, null, "jdbc:postgresql://127.0.0.1:5432/" + database + "?user=postgres");
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      sql("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
      sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  @Test
  void everyDatabaseRouteAnswers503WhileTheDatabaseIsAway() throws SQLException {
    Api admin = server.admin;
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);

    sql("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");

    List<Api.Response> refused = List.of(
        admin.get("/v1/reports/costs"),
        admin.get("/v1/policies"),
        admin.get("/v1/audit"),
        admin.get("/v1/alerts"),
        admin.get("/v1/overrides"),
        admin.get("/v1/keys"),
        admin.put("/v1/policies/user:bob", POLICY),
        admin.post("/v1/subjects/user/bob/reset", "{\"reason\":\"outage test\"}"));
    for (Api.Response r : refused) {
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.contentType()).startsWith("application/problem+json");
      assertThat(r.header("Retry-After")).isEqualTo("1");
      assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:database-unavailable");
      assertThat(r.json().get("title").asText()).isEqualTo("Database unavailable");
      assertThat(r.json().get("detail").asText())
          .isEqualTo("the database cannot be reached; the request changed nothing; retry shortly");
      assertThat(r.body()).doesNotContain("Exception", "Connection is not available");
    }

    sql("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
    awaitDatabaseUp();
    assertThat(admin.get("/v1/policies").status()).isEqualTo(200);
    assertThat(admin.put("/v1/policies/user:bob", POLICY).status()).isEqualTo(201);
    Api.Response audit = admin.get("/v1/audit");
    assertThat(audit.status()).as(audit.toString()).isEqualTo(200);
    // Only the two policies written while the database was there; nothing from the outage.
    assertThat(audit.body()).contains("user:bob").doesNotContain("outage test");
  }

  /** The pool reconnects with a backoff of up to seconds; readiness says when it has. */
  private void awaitDatabaseUp() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Api.Response health;
    do {
      health = server.anonymous().get("/health");
    } while (health.status() != 200 && System.nanoTime() < deadline);
    assertThat(health.status()).as(health.toString()).isEqualTo(200);
  }

  private static void sql(String statement) throws SQLException {
    try (var c = DriverManager.getConnection(POSTGRES); var s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
