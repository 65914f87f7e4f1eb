package dev.quota.server;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Create-only PUTs on PostgreSQL, raced between two servers sharing the database: each holds its
 * own configuration lock, so only the database's insert can keep both from creating.
 */
class PostgresCreateOnlyPolicyTest extends CreateOnlyPolicyTest {
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
  List<Api> racers() {
    return List.of(admin, second.admin);
  }

  @Override
  void cleanUp() {
    super.cleanUp();
    schema.drop();
  }
}
