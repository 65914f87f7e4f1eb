package dev.quota.server;

import java.sql.DriverManager;
import java.util.UUID;

/** The decision API with policies, ledger and audit in PostgreSQL, in a schema of its own. */
class PostgresDecisionApiTest extends DecisionApiTest {
  static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
  private final String schema = "qs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, PG + "&currentSchema=" + schema);
  }

  String schema() {
    return schema;
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    try (var c = DriverManager.getConnection(PG); var s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
