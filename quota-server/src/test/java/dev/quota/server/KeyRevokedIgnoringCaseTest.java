package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Regression: key names are unique ignoring case, but a revocation matched the name exactly, so
 * with only {@code svc} active {@code DELETE /v1/keys/SVC} answered 404. It now revokes that key,
 * audited as any revocation. Two keys issued before the rule under one name in different cases
 * are told apart only by their exact names: a name matching both only ignoring case is a 409.
 * On the embedded database and on PostgreSQL alike.
 */
class KeyRevokedIgnoringCaseTest {
  private final PostgresSchema schema = new PostgresSchema();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    schema.drop();
  }

  /** Each key store: a server on it, and a session of the test's own on its database. */
  static Stream<Arguments> keyStores() {
    Function<KeyRevokedIgnoringCaseTest, TestServer> h2 = t -> TestServer.embedded();
    Function<KeyRevokedIgnoringCaseTest, TestServer> postgres = t -> TestServer.start(null, null, t.schema.url());
    return Stream.of(Arguments.of("H2", h2), Arguments.of("PostgreSQL", postgres));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyStores")
  void theOneKeyNamedSoIgnoringCaseIsRevokedAndAudited(String store, Function<KeyRevokedIgnoringCaseTest, TestServer> start) {
    server = start.apply(this);
    Api svc = server.key("svc", "service");
    assertThat(svc.get("/v1/whoami").status()).isEqualTo(200);

    Api.Response revoked = server.admin.delete("/v1/keys/SVC?reason=rotated");

    assertThat(revoked.status()).as(revoked.toString()).isEqualTo(204);
    assertThat(names()).doesNotContain("svc");
    assertThat(svc.get("/v1/whoami").status()).isEqualTo(401);
    JsonNode entry = server.admin.get("/v1/audit?action=key.revoke").json().get("entries").get(0);
    assertThat(entry.get("target").asText()).isEqualTo("svc");
    assertThat(entry.get("reason").asText()).isEqualTo("rotated");
    assertThat(server.admin.delete("/v1/keys/SVC").status()).isEqualTo(404);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyStores")
  void twoKeysNamedAlikeBeforeTheRuleNeedTheExactName(String store, Function<KeyRevokedIgnoringCaseTest, TestServer> start)
      throws Exception {
    server = start.apply(this);
    Api lower = server.key("svc", "service");
    Api upper = server.key("other", "service");
    // As a version that compared names exactly would have issued it.
    try (Connection c = session(store); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE api_key SET name = 'SVC' WHERE name = 'other'");
    }
    String audit = server.admin.get("/v1/audit").body();

    Api.Response ambiguous = server.admin.delete("/v1/keys/Svc");

    assertThat(ambiguous.status()).as(ambiguous.toString()).isEqualTo(409);
    assertThat(ambiguous.json().get("field").asText()).isEqualTo("name");
    assertThat(ambiguous.json().get("rule").asText()).contains("'SVC', 'svc'").contains("exact name");
    assertThat(server.admin.get("/v1/audit").body()).isEqualTo(audit);
    assertThat(names()).contains("svc", "SVC");

    assertThat(server.admin.delete("/v1/keys/SVC").status()).isEqualTo(204);
    assertThat(upper.get("/v1/whoami").status()).isEqualTo(401);
    assertThat(lower.get("/v1/whoami").status()).isEqualTo(200);
    // One left: the name finds it in any case again.
    assertThat(server.admin.delete("/v1/keys/Svc").status()).isEqualTo(204);
    assertThat(lower.get("/v1/whoami").status()).isEqualTo(401);
    assertThat(server.admin.get("/v1/audit?action=key.revoke").json().get("entries").findValuesAsText("target"))
        .containsExactlyInAnyOrder("svc", "SVC");
  }

  private Connection session(String store) throws Exception {
    if (store.equals("H2")) {
      String url = "jdbc:h2:file:" + server.dataDir().toAbsolutePath().resolve("quota")
          + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
      return DriverManager.getConnection(url, "sa", "");
    }
    return DriverManager.getConnection(schema.url());
  }

  private List<String> names() {
    return server.admin.get("/v1/keys").json().get("keys").findValuesAsText("name");
  }
}
