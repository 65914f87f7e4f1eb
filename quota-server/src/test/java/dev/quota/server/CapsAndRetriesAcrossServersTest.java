package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.redis.RedisStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two servers whose clocks are eight minutes apart share Redis and a PostgreSQL schema. Callers
 * reserve under a per-request cap (with an estimate, or without one, holding the cap), commit
 * below and above it, and retry every reservation, commit and recorded usage on the other server:
 * each retry gets the first answer, and the budget both serve equals, to the nano-unit, the sum of
 * what was charged and the ledger's cost report. A reservation retried after its cap was lowered
 * still gets its first admission, and a request the lower cap refused claims no key.
 */
class CapsAndRetriesAcrossServersTest {
  private static final String REDIS = "redis://127.0.0.1:6379";
  private final PostgresSchema schema = new PostgresSchema();
  private final String prefix = "qs-caps-" + UUID.randomUUID().toString().substring(0, 8) + ":";
  private TestServer one;
  private TestServer two;

  @BeforeEach
  void start() {
    // One after the other: the first creates the schema, so the two never race to migrate it.
    one = TestServer.start(
        REDIS, prefix, schema.url(), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(4)), List.of());
    two = TestServer.start(
        REDIS, prefix, schema.url(), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-4)), List.of());
  }

  @AfterEach
  void stop() {
    try {
      two.close();
      one.close();
    } finally {
      schema.drop();
      try (RedisStore store = RedisStore.builder().uri(REDIS).prefix(prefix).build()) {
        store.deleteAll();
      }
    }
  }

  /** Puts a policy through the first server; both take it up at once rather than at their next reload. */
  private void put(String selector, String body) {
    Api.Response r = one.admin.put("/v1/policies/" + selector, body);
    assertThat(r.status()).as(r.toString()).isIn(200, 201);
    one.server().quota().reloadConfig();
    two.server().quota().reloadConfig();
  }

  @Test
  void retriesOnTheOtherServerGetTheFirstAnswerAndTheBudgetEqualsTheLedger() throws Exception {
    put("team:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"100000.00\",\"perRequest\":\"0.9\"}}");
    List<Api> servers = List.of(one.admin, two.admin);
    ConcurrentLinkedQueue<BigDecimal> charged = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int caller = t;
        callers.add(pool.submit(() -> {
          for (int i = 0; i < 20; i++) {
            Api first = servers.get((caller + i) % 2);
            Api retry = servers.get((caller + i + 1) % 2);
            // Nine decimals, up to 0.999999999: some above the 0.9 cap, charged in full as overrun.
            String cost = "0." + String.format("%09d", (caller * 7919L + i * 102_322_233L) % 1_000_000_000L);
            String key = "call-" + caller + "-" + i;
            if (i % 3 == 0) {
              String usage = "{\"subjects\":{\"team\":\"t\"},\"cost\":\"" + cost + "\",\"idempotencyKey\":\"" + key + "\"}";
              Api.Response a = first.post("/v1/usage", usage);
              Api.Response b = retry.post("/v1/usage", usage);
              if (a.status() != 200 || b.status() != 200 || !b.json().path("replayed").asBoolean()) {
                wrong.add("usage " + a + " then " + b);
              }
            } else {
              String estimate = i % 2 == 0 ? ",\"estimatedCost\":\"0.5\"" : ""; // none: holds the cap
              String body = "{\"subjects\":{\"team\":\"t\"}" + estimate + ",\"idempotencyKey\":\"" + key + "\"}";
              Api.Response a = first.post("/v1/reservations", body);
              Api.Response b = retry.post("/v1/reservations", body);
              String id = a.json().path("reservationId").asText();
              if (a.status() != 201 || !id.equals(b.json().path("reservationId").asText())
                  || !b.json().path("replayed").asBoolean()) {
                wrong.add("reservation " + a + " then " + b);
              }
              String commit = "{\"actualCost\":\"" + cost + "\"}";
              Api.Response c = retry.post("/v1/reservations/" + id + "/commit", commit);
              Api.Response d = first.post("/v1/reservations/" + id + "/commit", commit);
              if (c.status() != 200 || d.status() != 200 || !d.json().path("repeated").asBoolean()
                  || !c.json().path("charged").asText().equals(d.json().path("charged").asText())) {
                wrong.add("commit " + c + " then " + d);
              }
            }
            charged.add(new BigDecimal(cost));
          }
          return null;
        }));
      }
      for (Future<?> f : callers) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wrong).isEmpty();
    BigDecimal sum = charged.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    for (Api api : servers) {
      assertThat(dailyUsed(api, "team", "t")).isEqualByComparingTo(sum);
      JsonNode report = api.get("/v1/reports/costs?scope=team&id=t&groupBy=provider").json();
      assertThat(report.get("totals")).hasSize(1);
      assertThat(new BigDecimal(report.get("totals").get(0).get("cost").asText())).isEqualByComparingTo(sum);
      assertThat(report.get("totals").get(0).get("entries").asInt()).isEqualTo(120);
    }
  }

  @Test
  void aReservationRetriedAfterItsCapWasLoweredGetsItsFirstAdmission() {
    put("user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"perRequest\":\"1.50\"}}");
    String call = "{\"subjects\":{\"user\":\"ann\"},\"estimatedCost\":\"1.00\",\"idempotencyKey\":\"ann-1\"}";
    Api.Response first = one.admin.post("/v1/reservations", call);
    assertThat(first.status()).as(first.toString()).isEqualTo(201);
    put("user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"perRequest\":\"0.50\"}}");

    Api.Response retried = two.admin.post("/v1/reservations", call);

    assertThat(retried.status()).as(retried.toString()).isEqualTo(201);
    assertThat(retried.json().get("replayed").asBoolean()).isTrue();
    assertThat(retried.json().get("reservationId").asText()).isEqualTo(first.json().get("reservationId").asText());
    String other = "{\"subjects\":{\"user\":\"ann\"},\"estimatedCost\":\"1.00\",\"idempotencyKey\":\"ann-2\"}";
    Api.Response refused = two.admin.post("/v1/reservations", other);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).isNull(); // the cap refuses it however long it waits
    put("user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"10.00\",\"perRequest\":\"1.50\"}}");
    Api.Response admitted = one.admin.post("/v1/reservations", other);
    assertThat(admitted.status()).as(admitted.toString()).isEqualTo(201);
    assertThat(admitted.json().path("replayed").asBoolean()).isFalse();
    assertThat(dailyUsed(two.admin, "user", "ann")).isEqualByComparingTo("2.00");
  }

  private static BigDecimal dailyUsed(Api api, String scope, String id) {
    for (JsonNode l : api.get("/v1/usage/" + scope + "/" + id).json().get("limits")) {
      if (l.get("kind").asText().equals("budget_daily")) {
        return new BigDecimal(l.get("used").asText());
      }
    }
    throw new AssertionError("no daily budget for " + scope + ":" + id);
  }
}
