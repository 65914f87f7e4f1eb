package dev.quota.server;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ETags and If-Match on PostgreSQL, with two servers sharing the database: a tag is the same on
 * both, and writers racing with one tag through both servers, each holding only its own
 * configuration lock, are kept to one winner by the database alone.
 */
class PostgresPolicyETagTest extends PolicyETagTest {
  final PostgresSchema schema = new PostgresSchema();
  TestServer second;

  @Override
  TestServer newServer() {
    return TestServer.start(null, null, schema.url());
  }

  @BeforeAll
  void startSecond() {
    second = TestServer.start(null, null, schema.url());
  }

  @AfterAll
  void stopSecond() {
    second.close();
  }

  @Override
  List<Api> servers() {
    return List.of(admin, second.admin);
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    schema.drop();
  }
}
