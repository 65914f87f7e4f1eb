package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An admin change the database stored, with its audit entry, is answered as stored even when the
 * server's reload after the write fails: with its success status and {@code Quota-Applied:
 * pending}, since the change is not in force on this server yet. Answered 503 instead, a client
 * sent it again and met its own change (409 or 412). The server's next reload applies it. The
 * failure is the database's own: a trigger, made for the test, refuses the reload's record of the
 * budget counters the change names. On the embedded defaults (H2);
 * {@link PostgresStoredNotAppliedTest} runs the same on PostgreSQL.
 */
class StoredNotAppliedTest extends ServerSuite {
  private static final Pattern NOT_APPLIED = Pattern.compile("(?m)^quota_admin_changes_not_applied_total ([0-9.E]+)$");

  /** A fault a test made in the database, removed on close. */
  interface Fault extends AutoCloseable {
    @Override
    void close() throws SQLException;
  }

  /** A session of its own on the server's database. */
  Connection session() throws SQLException {
    String url = "jdbc:h2:file:" + server.dataDir().toAbsolutePath().resolve("quota")
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0";
    return DriverManager.getConnection(url, "sa", "");
  }

  /** Makes the database fail every write to {@code table} until the fault is closed. */
  Fault refuseWrites(String table) throws SQLException {
    execute("CREATE TRIGGER refuse_" + table + " BEFORE INSERT, UPDATE, DELETE ON " + table
        + " FOR EACH ROW CALL '" + RefusingTrigger.class.getName() + "'");
    return () -> execute("DROP TRIGGER IF EXISTS refuse_" + table);
  }

  final void execute(String sql) throws SQLException {
    try (Connection c = session(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static String budget(String daily) {
    return "{\"budget\":{\"currency\":\"USD\",\"daily\":\"" + daily + "\"}}";
  }

  private boolean admits(String scope, String id, String cost) {
    Api.Response r = admin.post("/v1/check", "{\"subjects\":{\"" + scope + "\":\"" + id + "\"},\"estimatedCost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("admitted").asBoolean();
  }

  private double changesNotApplied() {
    Api.Response r = admin.get("/metrics");
    Matcher m = NOT_APPLIED.matcher(r.body());
    assertThat(m.find()).as("quota_admin_changes_not_applied_total in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  private JsonNode audit(String target) {
    return admin.get("/v1/audit?target=" + target).json().get("entries");
  }

  private static void storedPending(Api.Response r, int status) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Quota-Applied")).isEqualTo("pending");
  }

  @Test
  void aPolicyStoredWhileTheReloadFailsIsAnswered201PendingAndTheNextReloadAppliesIt() throws Exception {
    double notAppliedBefore = changesNotApplied();
    Api.Response put;
    try (Fault fault = refuseWrites("budget_counter_set")) {
      put = admin.put("/v1/policies/user:*?reason=first%20budget", budget("1.00"));

      storedPending(put, 201);
      assertThat(put.json().get("selector").asText()).isEqualTo("user:*");
      Api.Response stored = admin.get("/v1/policies/user:*");
      assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
      assertThat(stored.header("ETag")).isEqualTo(put.header("ETag"));
      assertThat(audit("user:*")).hasSize(1);
      assertThat(audit("user:*").get(0).get("action").asText()).isEqualTo("policy.create");
      assertThat(audit("user:*").get(0).get("reason").asText()).isEqualTo("first budget");
      assertThat(changesNotApplied()).isEqualTo(notAppliedBefore + 1);
      // Not in force on this server yet: nothing limits alice.
      assertThat(admits("user", "alice", "2.00")).isTrue();
    }

    server.server().quota().reloadConfig();

    assertThat(admits("user", "alice", "2.00")).isFalse();
    assertThat(admits("user", "alice", "1.00")).isTrue();
    // A change applied at once says nothing more.
    Api.Response raised = admin.put("/v1/policies/user:*", budget("3.00"));
    assertThat(raised.status()).as(raised.toString()).isEqualTo(200);
    assertThat(raised.header("Quota-Applied")).isNull();
    assertThat(admits("user", "alice", "2.00")).isTrue();
    assertThat(changesNotApplied()).isEqualTo(notAppliedBefore + 1);
  }

  @Test
  void everyAdminChangeStoredWhileTheReloadFailsIsAnsweredWithItsSuccessAndPending() throws Exception {
    double notAppliedBefore = changesNotApplied();
    try (Fault fault = refuseWrites("budget_counter_set")) {
      Api.Response created = admin.send("PUT", "/v1/policies/team:*", budget("1.00"), "If-None-Match", "*");
      storedPending(created, 201);
      // The retry a 503 would have caused finds the policy stored.
      Api.Response retried = admin.send("PUT", "/v1/policies/team:*", budget("1.00"), "If-None-Match", "*");
      assertThat(retried.status()).as(retried.toString()).isEqualTo(412);
      Api.Response replaced = admin.send("PUT", "/v1/policies/team:*", budget("2.00"), "If-Match", created.header("ETag"));
      storedPending(replaced, 200);
      storedPending(admin.put("/v1/policies/team:gone", budget("5.00")), 201);
      storedPending(admin.delete("/v1/policies/team:gone"), 204);
      Api.Response override = admin.post("/v1/overrides",
          "{\"selector\":\"project:x\",\"limits\":" + budget("1.00") + ",\"duration\":\"PT1H\",\"reason\":\"launch\"}");
      storedPending(override, 201);
      storedPending(admin.delete("/v1/overrides/" + override.json().get("id").asText() + "?reason=over"), 204);

      assertThat(changesNotApplied()).isEqualTo(notAppliedBefore + 6);
      assertThat(admits("team", "t", "3.00")).isTrue();
    }

    server.server().quota().reloadConfig();

    assertThat(admits("team", "t", "3.00")).isFalse();
    assertThat(admits("team", "t", "2.00")).isTrue();
    assertThat(admin.get("/v1/policies/team:gone").status()).isEqualTo(404);
    assertThat(admin.get("/v1/overrides").json().get("overrides")).isEmpty();
  }

  @Test
  void aChangeTheDatabaseRefusesStillFailsAndStoresNothing() throws Exception {
    double notAppliedBefore = changesNotApplied();
    Api.Response refused;
    try (Fault fault = refuseWrites("policy_version")) {
      refused = admin.put("/v1/policies/tool:*?reason=refused", budget("1.00"));
    }

    assertThat(refused.status()).as(refused.toString()).isEqualTo(500);
    assertThat(refused.json().get("type").asText()).isEqualTo("urn:quota:problem:internal-error");
    assertThat(refused.header("Quota-Applied")).isNull();
    assertThat(admin.get("/v1/policies/tool:*").status()).isEqualTo(404);
    assertThat(audit("tool:*")).isEmpty();
    assertThat(changesNotApplied()).isEqualTo(notAppliedBefore);
  }
}
