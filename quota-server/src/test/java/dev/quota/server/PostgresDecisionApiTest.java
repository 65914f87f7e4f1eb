package dev.quota.server;

/** The decision API with policies, ledger and audit in PostgreSQL, in a schema of its own. */
class PostgresDecisionApiTest extends DecisionApiTest {
  final PostgresSchema schema = new PostgresSchema();

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, schema.url());
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    schema.drop();
  }
}
