package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A configuration change that waits too long for a row another transaction holds (a second server
 * writing the same policy, an operator's open session) is answered 503 with {@code Retry-After}:
 * the database rolled it back, so it changed nothing, and it may simply be sent again. Not a 500:
 * nothing is wrong with the server or the request.
 */
class DatabaseBusyTest {
  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.embedded();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A session of its own on the server's embedded database, as a second writer would have. */
  private Connection otherSession() throws Exception {
    String url = "jdbc:h2:file:" + server.dataDir().toAbsolutePath().resolve("quota")
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
    return DriverManager.getConnection(url, "sa", "");
  }

  @Test
  void aPolicyWriteThatCannotLockItsRowIsRefusedWith503AndChangesNothing() throws Exception {
    Api admin = server.admin;
    assertThat(admin.send("PUT", "/v1/policies/team:busy?reason=first", CreateOnlyPolicyTest.limit(5)).status()).isEqualTo(201);
    String before = admin.get("/v1/policies/team:busy").body() + admin.get("/v1/audit?target=team:busy").body();

    try (Connection other = otherSession()) {
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) {
        s.executeUpdate("UPDATE policy SET updated_at = updated_at WHERE selector = 'team:busy'");
      }
      Api.Response refused = admin.send("PUT", "/v1/policies/team:busy?reason=second", CreateOnlyPolicyTest.limit(50));
      assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      JsonNode problem = refused.json();
      assertThat(problem.get("type").asText()).isEqualTo("urn:quota:problem:database-busy");
      assertThat(problem.get("detail").asText()).contains("changed nothing");
      other.rollback();
    }
    assertThat(admin.get("/v1/policies/team:busy").body() + admin.get("/v1/audit?target=team:busy").body()).isEqualTo(before);
    assertThat(admin.send("PUT", "/v1/policies/team:busy?reason=again", CreateOnlyPolicyTest.limit(50)).status()).isEqualTo(200);
  }
}
