package dev.quota.server;

import java.sql.DriverManager;
import java.util.UUID;

/** The longest valid values with policies, ledger and audit in PostgreSQL, in a schema of its own. */
class PostgresLongestValidTextTest extends LongestValidTextTest {
  private final String schema = "qs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, PostgresDecisionApiTest.PG + "&currentSchema=" + schema);
  }

  @Override
  void cleanUp() {
    try (var c = DriverManager.getConnection(PostgresDecisionApiTest.PG); var s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
