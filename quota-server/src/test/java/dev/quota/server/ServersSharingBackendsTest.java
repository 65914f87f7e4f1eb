package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two servers share one Redis (a private redis-server, so that a test can flush it) and one
 * PostgreSQL schema, as the servers of a platform do, and are called over HTTP at the same time.
 * Reservations committed below and above their estimate, releases and recorded usage retried on
 * both never find the budget held past its limit; the budget both serve equals the ledger's cost
 * report, and after Redis lost its data (FLUSHDB) both rebuild that same amount. An admin's reset
 * on one server holds on the other at once; an override reaches the other at its next reload.
 */
class ServersSharingBackendsTest {
  private static final String BUDGET = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"2.00\"}}";

  private final PostgresSchema schema = new PostgresSchema();
  private final String prefix = "qs-shared-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  private PrivateRedis redis;
  private TestServer one;
  private TestServer two;
  private final ExecutorService pool = Executors.newFixedThreadPool(8);
  /** The callers' second requests, sent while their first is under way. */
  private final ExecutorService seconds = Executors.newFixedThreadPool(8);

  @BeforeEach
  void start() throws Exception {
    redis = PrivateRedis.start();
    // One after the other: the first creates the schema, so the two never race to migrate it.
    one = server();
    two = server();
    assertThat(one.admin.put("/v1/policies/user:*", BUDGET).status()).isEqualTo(201);
    awaitOn(two, () -> !usedToday(two.admin).isEmpty(), "the second server never loaded the policy");
  }

  /**
   * A server on the shared Redis and schema. Redis is given the longest wait there is: this test is
   * about exactness, and a call that outlasted the default on a busy machine would answer 503.
   */
  private TestServer server() throws IOException {
    ServerConfig cfg = ConfigLoader.load(
        new ConfigLoader.Flags(null, 0, Files.createTempDirectory("quota-shared-backends"), redis.url(), schema.url(), null),
        Map.of("QUOTA_REDIS_PREFIX", prefix, "QUOTA_REDIS_TIMEOUT", "PT5S", "QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY));
    return TestServer.start(cfg, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    seconds.shutdownNow();
    try {
      if (two != null) {
        two.close();
      }
      if (one != null) {
        one.close();
      }
    } finally {
      redis.close();
      schema.drop();
    }
  }

  /** Alice's daily budget as the server reads it ("" while it applies no budget). */
  private static String usedToday(Api api) {
    Api.Response r = api.get("/v1/usage/user/alice");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    for (JsonNode limit : r.json().get("limits")) {
      if (limit.get("kind").asText().equals("budget_daily")) {
        return limit.get("used").asText();
      }
    }
    return "";
  }

  private static BigDecimal reported(Api api) {
    Api.Response r = api.get("/v1/reports/costs?scope=user&id=alice");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return new BigDecimal(r.json().get("total").asText());
  }

  private static boolean admits(Api api, String cost) {
    Api.Response r = api.post("/v1/check", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"" + cost + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("admitted").asBoolean();
  }

  private static void flush(PrivateRedis redis) {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().flushdb();
    } finally {
      client.shutdown();
    }
  }

  /** Polls (bounded) for what the other server learns at its next reload, about two seconds away. */
  private static void awaitOn(TestServer server, BooleanSupplier done, String failure) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure);
      }
      Thread.sleep(50);
    }
  }

  /** What one caller saw: the budget charged beyond holds, admissions over the limit, unexpected answers. */
  private record Seen(BigDecimal overrun, int denied, List<String> wrong) {}

  @Test
  void callsSpreadOverBothServersKeepTheBudgetExactAndItsRebuildMatchesTheLedger() throws Exception {
    String[] actuals = {"0", "0.02", "0.05", "0.08", "0.11"};
    int callers = 8;
    CyclicBarrier go = new CyclicBarrier(callers);
    List<Future<Seen>> calls = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      Api api = (t % 2 == 0 ? one : two).admin;
      Api other = (t % 2 == 0 ? two : one).admin;
      Random random = new Random(t);
      int caller = t;
      calls.add(pool.submit(() -> {
        go.await();
        BigDecimal overrun = BigDecimal.ZERO;
        int denied = 0;
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
          Api.Response r = api.post("/v1/reservations", "{\"subjects\":{\"user\":\"alice\"},\"estimatedCost\":\"0.05\"}");
          if (r.status() == 429) {
            denied++;
            continue;
          }
          if (r.status() != 201) {
            wrong.add(r.toString());
            continue;
          }
          JsonNode budget = r.json().get("limits").get(0);
          if (new BigDecimal(budget.get("used").asText()).compareTo(new BigDecimal("2.00")) > 0) {
            wrong.add("admitted at " + budget.get("used").asText());
          }
          String id = r.json().get("reservationId").asText();
          int way = random.nextInt(actuals.length + 1);
          // Settled on either server; a commit is sent again to the other, which must charge nothing more.
          Api settling = random.nextBoolean() ? api : other;
          if (way == actuals.length) {
            Api.Response released = settling.post("/v1/reservations/" + id + "/release", "{}");
            if (released.status() != 200) {
              wrong.add("release: " + released);
            }
          } else {
            String body = "{\"actualCost\":\"" + actuals[way] + "\"}";
            Api.Response committed = settling.post("/v1/reservations/" + id + "/commit", body);
            Api.Response again = (settling == api ? other : api).post("/v1/reservations/" + id + "/commit", body);
            if (committed.status() != 200 || again.status() != 200 || !again.json().get("repeated").asBoolean()) {
              wrong.add("commit: " + committed + " then " + again);
            } else {
              overrun = overrun.add(new BigDecimal(committed.json().get("overrun").asText()));
            }
          }
          // Usage recorded under one key on both servers at once is charged once.
          String usage = "{\"subjects\":{\"user\":\"alice\"},\"cost\":\"0.01\",\"idempotencyKey\":\"u-" + caller + "-" + i + "\"}";
          Future<Api.Response> elsewhere = seconds.submit(() -> other.post("/v1/usage", usage));
          Api.Response recorded = api.post("/v1/usage", usage);
          Api.Response recordedElsewhere = elsewhere.get(60, TimeUnit.SECONDS);
          if (recorded.status() != 200 || recordedElsewhere.status() != 200) {
            wrong.add("usage: " + recorded + " / " + recordedElsewhere);
          }
        }
        return new Seen(overrun, denied, wrong);
      }));
    }
    BigDecimal overrun = BigDecimal.ZERO;
    int denied = 0;
    for (Future<Seen> f : calls) {
      Seen seen = f.get(180, TimeUnit.SECONDS);
      assertThat(seen.wrong()).isEmpty();
      overrun = overrun.add(seen.overrun());
      denied += seen.denied();
    }
    assertThat(denied).as("the budget ran out while the servers raced").isPositive();

    BigDecimal used = new BigDecimal(usedToday(one.admin));
    assertThat(new BigDecimal(usedToday(two.admin))).isEqualByComparingTo(used);
    assertThat(reported(two.admin)).isEqualByComparingTo(used);
    // Beyond the limit by no more than what commits charged past their holds, and recorded usage.
    assertThat(used).isLessThanOrEqualTo(new BigDecimal("2.00").add(overrun).add(new BigDecimal("1.20")));

    flush(redis);

    assertThat(new BigDecimal(usedToday(two.admin))).isEqualByComparingTo(used);
    assertThat(new BigDecimal(usedToday(one.admin))).isEqualByComparingTo(used);
  }

  @Test
  void aResetOnOneServerHoldsOnTheOtherAtOnceAndAnOverrideAtItsNextReload() throws Exception {
    assertThat(one.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"alice\"},\"cost\":\"1.90\"}").status()).isEqualTo(200);
    assertThat(admits(two.admin, "0.20")).isFalse();

    assertThat(one.admin.post("/v1/subjects/user/alice/reset", "{\"reason\":\"support ticket\"}").status()).isEqualTo(204);
    assertThat(usedToday(two.admin)).isEqualTo("0.00");
    assertThat(admits(two.admin, "2.00")).isTrue();
    assertThat(two.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"alice\"},\"cost\":\"1.50\"}").status()).isEqualTo(200);

    // Rebuilt after a loss, the budget counts from the reset on either server.
    flush(redis);
    assertThat(usedToday(one.admin)).isEqualTo("1.50");
    assertThat(usedToday(two.admin)).isEqualTo("1.50");

    Api.Response override = two.admin.post("/v1/overrides",
        "{\"selector\":\"user:alice\",\"limits\":{\"budget\":{\"currency\":\"USD\",\"daily\":\"5.00\"}},"
            + "\"duration\":\"PT1H\",\"reason\":\"launch day\"}");
    assertThat(override.status()).as(override.toString()).isEqualTo(201);
    assertThat(admits(two.admin, "3.00")).isTrue();
    awaitOn(one, () -> admits(one.admin, "3.00"), "the first server never applied the override");

    String id = override.json().get("id").asText();
    assertThat(one.admin.delete("/v1/overrides/" + id + "?reason=over").status()).isEqualTo(204);
    assertThat(admits(one.admin, "0.60")).isFalse();
    awaitOn(two, () -> !admits(two.admin, "0.60"), "the second server never applied the revocation");
  }
}
