package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Usage recorded while Redis hangs answers fail-open and goes to the ledger; once Redis runs again
 * the server charges it to the budget by itself, so the subject's usage shows it and a reservation
 * past what is left is denied. Uses a private redis-server on a spare loopback port, frozen with
 * SIGSTOP and resumed with SIGCONT by the test.
 */
class UsageThroughStoreOutageTest {
  private static final String USAGE = "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"%s\"}";

  @Test
  void usageRecordedWhileRedisHangsIsChargedToTheBudgetOnceItRuns() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start();
        TestServer server = TestServer.start(redis.url(), "owed:", null)) {
      Api admin = server.admin;
      spendTenCentsOfAFailOpenBudget(admin);

      redis.pause();
      try {
        for (int i = 0; i < 3; i++) {
          Api.Response r = admin.post("/v1/usage", USAGE.formatted("0.30"));
          assertThat(r.status()).as(r.toString()).isEqualTo(200);
          assertThat(r.json().get("failOpen").asBoolean()).as(r.toString()).isTrue();
        }
        assertThat(admin.metric("quota_owed_charges")).isEqualTo("3.0");
      } finally {
        redis.resume();
      }
      assertThat(admin.get("/v1/reports/costs?scope=user&id=ann").json().get("total").asText()).isEqualTo("1.00");

      // The server replays on a thread of its own, after a backoff or the next decision Redis answers.
      String used = usedThisMonth(admin);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!"1.00".equals(used) && System.nanoTime() < deadline) {
        Thread.sleep(20);
        used = usedThisMonth(admin);
      }
      assertThat(used).isEqualTo("1.00");
      assertThat(admin.metric("quota_owed_charges")).isEqualTo("0.0");
      Api.Response denied = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"},\"estimatedCost\":\"0.50\"}");
      assertThat(denied.status()).as(denied.toString()).isEqualTo(429);
    }
  }

  /**
   * The server stops before Redis comes back: the charges it owes stay in its data directory, and
   * the next server there applies them to the counters Redis kept through the outage.
   */
  @Test
  void chargesOwedWhenTheServerStopsAreAppliedByTheNextServerOnItsDataDirectory() throws Exception {
    try (PrivateRedis redis = PrivateRedis.start()) {
      TestServer first = TestServer.start(redis.url(), "owed-restart:", null);
      Api admin = first.admin;
      spendTenCentsOfAFailOpenBudget(admin);
      redis.pause();
      try {
        for (int i = 0; i < 2; i++) {
          assertThat(admin.post("/v1/usage", USAGE.formatted("0.30")).json().get("failOpen").asBoolean()).isTrue();
        }
        first.server().close(); // its last replay finds Redis still away
      } finally {
        redis.resume();
      }
      Path journal = first.dataDir().resolve("owed.journal");
      assertThat(Files.readAllLines(journal)).hasSize(2);

      try (TestServer next = TestServer.onRedisIn(first.dataDir(), redis.url(), "owed-restart:")) {
        String used = usedThisMonth(next.admin);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"0.70".equals(used) && System.nanoTime() < deadline) {
          Thread.sleep(20);
          used = usedThisMonth(next.admin);
        }
        assertThat(used).as("0.10 Redis kept, and the 0.60 owed").isEqualTo("0.70");
        assertThat(next.admin.metric("quota_owed_charges")).isEqualTo("0.0");
        assertThat(Files.readString(journal)).isEmpty();
      }
    }
  }

  /**
   * A monthly budget of 1.00 for every user that fails open, of which ann has spent 0.10. Monthly:
   * the test runs on the real clock, and a day may end while it runs.
   */
  private static void spendTenCentsOfAFailOpenBudget(Api admin) {
    Api.Response put = admin.put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"monthly\":\"1.00\"},\"failMode\":\"open\"}");
    assertThat(put.status()).as(put.toString()).isBetween(200, 201);
    assertThat(admin.post("/v1/usage", USAGE.formatted("0.10")).status()).isEqualTo(200);
  }

  private static String usedThisMonth(Api admin) {
    Api.Response r = admin.get("/v1/usage/user/ann");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("limits").get(0).get("used").asText();
  }

}
