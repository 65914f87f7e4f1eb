package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * /metrics counts the requests answered 503 by the backend at fault, so a dashboard can alert on
 * refused calls: before, only {@code quota_store_errors_total} moved, and nothing for the database.
 */
class UnavailableMetricsTest {
  private static final String STORE = "quota_unavailable_total{cause=\"store\"}";
  private static final String DATABASE = "quota_unavailable_total{cause=\"database\"}";

  @RegisterExtension
  final ServerOnOutagePostgres outage = new ServerOnOutagePostgres("qs_unavail_");

  /** Uses a private redis-server on a spare loopback port, frozen and resumed by the test. */
  @Test
  void aFailClosedDecisionRefusedWhileRedisHangsCountsAsTheStore() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "unavail:", null)) {
      Api admin = server.admin;
      Api.Response put = admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"1.00\"},\"failMode\":\"closed\"}");
      assertThat(put.status()).as(put.toString()).isBetween(200, 201);
      assertThat(admin.metric(STORE)).isEqualTo("0.0");
      assertThat(admin.metric(DATABASE)).isEqualTo("0.0");

      redis.pause();
      try {
        Api.Response r = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"cy\"},\"estimatedCost\":\"0.10\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:store-unavailable");
      } finally {
        redis.resume();
      }
      assertThat(admin.metric(STORE)).isEqualTo("1.0");
      assertThat(admin.metric(DATABASE)).isEqualTo("0.0");
    }
  }

  @Test
  void aRequestRefusedWhileTheDatabaseIsAwayCountsAsTheDatabase() throws Exception {
    Api admin = outage.admin();
    assertThat(admin.metric(DATABASE)).isEqualTo("0.0");

    outage.takeAway();
    try {
      Api.Response r = admin.get("/v1/policies");
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:database-unavailable");
      assertThat(admin.metric(DATABASE)).isEqualTo("1.0");
      assertThat(admin.metric(STORE)).isEqualTo("0.0");
    } finally {
      outage.giveBack();
    }
  }
}
