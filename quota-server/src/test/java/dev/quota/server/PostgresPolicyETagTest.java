package dev.quota.server;

/**
 * ETags and If-Match on PostgreSQL, with two servers sharing the database: a tag is the same on
 * both, and writers racing with one tag through both servers, each holding only its own
 * configuration lock, are kept to one winner by the database alone.
 */
class PostgresPolicyETagTest extends PolicyETagTest {
  final PostgresSchema schema = new PostgresSchema();

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, schema.url());
  }

  @Override
  int peers() {
    return 1;
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    schema.drop();
  }
}
