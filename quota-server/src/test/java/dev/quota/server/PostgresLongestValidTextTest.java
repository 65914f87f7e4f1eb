package dev.quota.server;

/** The longest valid values with policies, ledger and audit in PostgreSQL, in a schema of its own. */
class PostgresLongestValidTextTest extends LongestValidTextTest {
  private final PostgresSchema schema = new PostgresSchema();

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, schema.url());
  }

  @Override
  void cleanUp() {
    schema.drop();
  }
}
