package dev.quota.server;

/**
 * Create-only PUTs on PostgreSQL, raced between two servers sharing the database: each holds its
 * own configuration lock, so only the database's insert can keep both from creating.
 */
class PostgresCreateOnlyPolicyTest extends CreateOnlyPolicyTest {
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
