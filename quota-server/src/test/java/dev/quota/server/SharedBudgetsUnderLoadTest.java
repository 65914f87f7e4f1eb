package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.server.config.ConfigLoader;
import dev.quota.server.config.ServerConfig;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many callers over real HTTP connections reserve against budgets of a user, a team and a project
 * at once (with the team's and the project's rate limits and the team's concurrency cap), commit
 * below and above their estimates, release, and retry reservations and recorded usage under their
 * idempotency keys. Every call names a tool of its own, so the ledger's cost report by tool shows
 * each call that was charged. Afterwards every admission saw each limit within its bound, each
 * subject's counters equal its ledger rows to the nano-unit, and every call answered as charged
 * has exactly one row, of exactly its cost, while no other call has any. Run on the embedded
 * defaults, and on two servers sharing a private Redis and a PostgreSQL schema, where Redis is
 * killed and started again, empty, in the middle of the load: the budgets, rebuilt while the
 * callers go on, read at least what was charged before, and a reservation lost with Redis is
 * charged once through recorded usage.
 */
class SharedBudgetsUnderLoadTest {
  private static final List<String> USERS = List.of("u0", "u1", "u2", "u3");
  private static final Map<String, BigDecimal> BUDGETS = Map.of(
      "user", new BigDecimal("0.35"), "team", new BigDecimal("0.55"), "project", new BigDecimal("1.00"));
  private static final int TEAM_RATE = 12;
  private static final int PROJECT_RATE = 26;
  private static final int TEAM_CONCURRENCY = 3;
  private static final String[] ACTUALS = {"0", "0.013", "0.05", "0.077777777", "0.11"};
  private static final BigDecimal ESTIMATE = new BigDecimal("0.05");
  private static final int CALLERS = 8;
  private static final int CALLS_EACH = 16;

  /** What one call was answered: the cost charged for it (null if none), and the subjects it named. */
  private record Outcome(String tool, Map<String, String> subjects, BigDecimal charged) {}

  @Test
  void embeddedServerKeepsEveryLimitAndTheLedgerExactUnderConcurrentCallers() throws Exception {
    try (TestServer server = TestServer.embedded()) {
      Load load = new Load(List.of(server.admin), null);
      load.putPolicies(server.admin);
      load.run();
      load.assertExact(List.of(server.admin));
      load.assertRateLimitsHeldOverTheWholeRun();
    }
  }

  @Test
  void twoServersOnOneRedisAndPostgresStayExactThroughARedisRestartMidLoad() throws Exception {
    PostgresSchema schema = new PostgresSchema();
    String prefix = "qs-load-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    try (PrivateRedis redis = PrivateRedis.start()) {
      TestServer one = null;
      TestServer two = null;
      try {
        // One after the other: the first creates the schema, so the two never race to migrate it.
        one = shared(redis, prefix, schema);
        two = shared(redis, prefix, schema);
        Load load = new Load(List.of(one.admin, two.admin), redis);
        load.putPolicies(one.admin);
        Api second = two.admin;
        Polling.awaitUntil(Duration.ofSeconds(15), () -> second.get("/v1/policies").body().contains("project:*"));
        Polling.awaitUntil(Duration.ofSeconds(15), () -> !second.get("/v1/usage/project/p").json().get("limits").isEmpty());
        load.run();
        assertThat(load.restarted.getCount()).as("Redis was restarted under load").isZero();
        load.assertExact(List.of(one.admin, two.admin));
      } finally {
        if (two != null) {
          two.close();
        }
        if (one != null) {
          one.close();
        }
        schema.drop();
      }
    }
  }

  private static TestServer shared(PrivateRedis redis, String prefix, PostgresSchema schema) throws Exception {
    ServerConfig cfg = ConfigLoader.load(
        new ConfigLoader.Flags(null, 0, Files.createTempDirectory("quota-load"), redis.url(), schema.url(), null),
        Map.of("QUOTA_REDIS_PREFIX", prefix, "QUOTA_REDIS_TIMEOUT", "PT5S", "QUOTA_ADMIN_KEY", TestServer.ADMIN_KEY));
    return TestServer.start(cfg, Clock.systemUTC());
  }

  /** The callers, what they were answered, and the checks on it. */
  private static final class Load {
    private final List<Api> servers;
    private final PrivateRedis redis;
    /** Counts down once Redis has been killed and started again; never, without Redis. */
    final CountDownLatch restarted = new CountDownLatch(1);
    /** Set before Redis is killed: from then on an answer may come from a store that lost what it held. */
    private volatile boolean redisLost;
    private final AtomicInteger settled = new AtomicInteger();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<String> wrong = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> admittedBy = new ConcurrentHashMap<>();
    private final AtomicInteger denied = new AtomicInteger();

    Load(List<Api> servers, PrivateRedis redis) {
      this.servers = servers;
      this.redis = redis;
    }

    /**
     * Daily budgets whose day starts twelve hours from now, so that no period ends during the run
     * whenever it runs.
     */
    void putPolicies(Api admin) {
      String reset = LocalTime.now(ZoneOffset.UTC).plusHours(12).format(DateTimeFormatter.ofPattern("HH:mm"));
      put(admin, "user:*", "{\"budget\":" + budget("user", reset) + "}");
      put(admin, "team:*", "{\"budget\":" + budget("team", reset) + ",\"concurrency\":" + TEAM_CONCURRENCY
          + ",\"rateLimits\":[{\"limit\":" + TEAM_RATE + ",\"window\":\"PT1H\"}]}");
      put(admin, "project:*", "{\"budget\":" + budget("project", reset)
          + ",\"rateLimits\":[{\"limit\":" + PROJECT_RATE + ",\"window\":\"PT1H\"}]}");
    }

    private static String budget(String scope, String reset) {
      return "{\"currency\":\"USD\",\"daily\":\"" + BUDGETS.get(scope).toPlainString() + "\",\"resetTime\":\"" + reset + "\"}";
    }

    private static void put(Api admin, String selector, String policy) {
      Api.Response r = admin.put("/v1/policies/" + selector, policy);
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    void run() throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(CALLERS + 1);
      try {
        CyclicBarrier go = new CyclicBarrier(CALLERS);
        List<Future<?>> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
          int caller = c;
          callers.add(pool.submit(() -> {
            go.await();
            Random random = new Random(caller);
            for (int i = 0; i < CALLS_EACH; i++) {
              call(caller, i, random);
            }
            return null;
          }));
        }
        Future<?> restart = redis == null ? null : pool.submit(() -> {
          // Mid-load: once a third of the calls are settled, Redis dies and comes back empty.
          Polling.awaitUntil(Duration.ofSeconds(40), () -> settled.get() >= CALLERS * CALLS_EACH / 8);
          Map<String, BigDecimal> chargedBefore = chargedBySubject();
          redisLost = true;
          redis.restartEmpty();
          restarted.countDown();
          // Rebuilt while the callers go on, every budget reads at least what was charged before Redis died.
          for (Api api : servers) {
            for (String subject : subjects()) {
              String[] scopeId = subject.split(":");
              BigDecimal before = chargedBefore.getOrDefault(subject, BigDecimal.ZERO);
              BigDecimal used = usedToday(api, scopeId[0], scopeId[1]);
              if (used.compareTo(before) < 0) {
                wrong.add(subject + " read " + used + " after Redis came back, below the " + before + " charged before");
              }
            }
          }
          return null;
        });
        for (Future<?> f : callers) {
          f.get(50, TimeUnit.SECONDS);
        }
        if (restart != null) {
          restart.get(10, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(wrong).isEmpty();
      assertThat(denied.get()).as("the limits were reached while the callers raced").isPositive();
    }

    /**
     * One call: a reservation (sent twice under its key), then a commit (sent twice) or a release; a
     * commit of a reservation lost with Redis records the call's cost as usage (sent twice under its key).
     */
    private void call(int caller, int i, Random random) throws InterruptedException {
      String user = USERS.get(caller % USERS.size());
      String team = caller % USERS.size() < 2 ? "t0" : "t1";
      String tool = "call-" + caller + "-" + i;
      Map<String, String> subjects = Map.of("user", user, "team", team, "project", "p", "tool", tool);
      String names = "\"subjects\":{\"user\":\"" + user + "\",\"team\":\"" + team + "\",\"project\":\"p\",\"tool\":\"" + tool + "\"}";
      Api api = servers.get(random.nextInt(servers.size()));
      Api other = servers.get(random.nextInt(servers.size()));
      String reserve = "{" + names + ",\"estimatedCost\":\"" + ESTIMATE + "\",\"idempotencyKey\":\"r-" + tool + "\"}";
      Api.Response r = untilAnswered(api, "/v1/reservations", reserve);
      if (r.status() == 429) {
        denied.incrementAndGet();
        outcomes.add(new Outcome(tool, subjects, null));
        settled.incrementAndGet();
        return;
      }
      if (r.status() != 201) {
        wrong.add("reserve: " + r);
        return;
      }
      checkWithinBounds(tool, r.json().get("limits"));
      admittedBy.computeIfAbsent("team:" + team, k -> new AtomicInteger()).incrementAndGet();
      admittedBy.computeIfAbsent("project:p", k -> new AtomicInteger()).incrementAndGet();
      String id = r.json().get("reservationId").asText();
      // The same reservation again under its key, perhaps on the other server: the first admission, nothing more held.
      Api.Response again = untilAnswered(other, "/v1/reservations", reserve);
      if (again.status() == 201 && !again.json().get("reservationId").asText().equals(id)) {
        // Unless Redis lost the first with its key in between: then the retry holds afresh, and is the one to settle.
        if (!redisLost) {
          wrong.add("a retried reservation was admitted afresh: " + r + " then " + again);
        }
        checkWithinBounds(tool, again.json().get("limits"));
        id = again.json().get("reservationId").asText();
      } else if (again.status() != 201 && (!redisLost || again.status() != 429)) {
        wrong.add("a retried reservation: " + again);
      }
      int way = random.nextInt(ACTUALS.length + 1);
      BigDecimal charged = null;
      if (way == ACTUALS.length) {
        Api.Response released = untilAnswered(random.nextBoolean() ? api : other, "/v1/reservations/" + id + "/release", "{}");
        if (released.status() != 200 && !(released.status() == 404 && redisLost)) {
          wrong.add("release: " + released);
        }
      } else {
        String actual = ACTUALS[way];
        String body = "{\"actualCost\":\"" + actual + "\"}";
        Api.Response committed = untilAnswered(random.nextBoolean() ? api : other, "/v1/reservations/" + id + "/commit", body);
        if (committed.status() == 200) {
          Api.Response repeated = untilAnswered(other, "/v1/reservations/" + id + "/commit", body);
          // A repeat, even once Redis lost the reservation, since the ledger holds the commit: charged nothing more.
          if (repeated.status() != 200 || !repeated.json().get("repeated").asBoolean()) {
            wrong.add("repeated commit: " + repeated);
          }
          charged = new BigDecimal(actual);
        } else if (committed.status() == 404 && redisLost) {
          // Lost with the counter store, as documented: the call's cost is recorded as usage instead.
          charged = recordTwice(api, other, names, actual, "lost-" + tool) ? new BigDecimal(actual) : null;
        } else {
          wrong.add("commit: " + committed);
        }
      }
      outcomes.add(new Outcome(tool, subjects, charged));
      settled.incrementAndGet();
    }

    /** Records usage under one key on two servers (or twice on one); true if it was recorded. */
    private boolean recordTwice(Api api, Api other, String names, String cost, String key) throws InterruptedException {
      String usage = "{" + names + ",\"cost\":\"" + cost + "\",\"idempotencyKey\":\"" + key + "\"}";
      Api.Response first = untilAnswered(api, "/v1/usage", usage);
      Api.Response second = untilAnswered(other, "/v1/usage", usage);
      if (first.status() != 200 || second.status() != 200) {
        wrong.add("usage: " + first + " / " + second);
        return false;
      }
      return true;
    }

    /**
     * Sends until the answer is not a 503 (the counter store is down, the request changed nothing):
     * while Redis restarts. Bounded, and polling for the other process, not for time.
     */
    private static Api.Response untilAnswered(Api api, String path, String body) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Api.Response r = api.post(path, body);
      while (r.status() == 503 && System.nanoTime() < deadline) {
        Thread.sleep(10); // for the restarted redis-server to listen
        r = api.post(path, body);
      }
      return r;
    }

    private void checkWithinBounds(String tool, JsonNode limits) {
      for (JsonNode limit : limits) {
        String kind = limit.get("kind").asText();
        boolean over = kind.startsWith("budget_") && !kind.equals("budget_per_request")
            ? new BigDecimal(limit.get("used").asText()).compareTo(new BigDecimal(limit.get("limit").asText())) > 0
            : limit.get("used").asLong() > limit.get("limit").asLong();
        if (over) {
          wrong.add(tool + " admitted past " + limit);
        }
      }
    }

    /** No more admissions than a rate limit's window allows: only where no store lost its counters in between. */
    void assertRateLimitsHeldOverTheWholeRun() {
      assertThat(admittedBy.get("team:t0").get()).isLessThanOrEqualTo(TEAM_RATE);
      assertThat(admittedBy.get("team:t1").get()).isLessThanOrEqualTo(TEAM_RATE);
      assertThat(admittedBy.get("project:p").get()).isLessThanOrEqualTo(PROJECT_RATE);
    }

    /** What the calls settled so far were charged, by subject. */
    private Map<String, BigDecimal> chargedBySubject() {
      Map<String, BigDecimal> charged = new HashMap<>();
      for (Outcome o : outcomes) {
        if (o.charged() != null) {
          for (Map.Entry<String, String> s : o.subjects().entrySet()) {
            charged.merge(s.getKey() + ":" + s.getValue(), o.charged(), BigDecimal::add);
          }
        }
      }
      return charged;
    }

    void assertExact(List<Api> readers) throws InterruptedException {
      assertThat(outcomes).hasSize(CALLERS * CALLS_EACH);
      Map<String, BigDecimal> charged = chargedBySubject();
      Map<String, BigDecimal> byTool = new HashMap<>();
      for (Outcome o : outcomes) {
        if (o.charged() != null) {
          byTool.put(o.tool(), o.charged());
        }
      }
      String range = "&from=" + LocalDate.now(ZoneOffset.UTC).minusDays(1) + "&to=" + LocalDate.now(ZoneOffset.UTC).plusDays(2);
      for (Api api : readers) {
        // Each call charged has one row of its cost; no other call has any.
        Api.Response report = api.get("/v1/reports/costs?groupBy=tool" + range);
        assertThat(report.status()).as(report.toString()).isEqualTo(200);
        Map<String, BigDecimal> rows = new HashMap<>();
        for (JsonNode row : report.json().get("rows")) {
          assertThat(row.get("entries").asLong()).as(row.toString()).isEqualTo(1);
          rows.put(row.get("group").asText(), new BigDecimal(row.get("cost").asText()));
        }
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(byTool.keySet());
        byTool.forEach((tool, cost) -> assertThat(rows.get(tool)).as(tool).isEqualByComparingTo(cost));

        // Each subject's budget reads exactly its ledger, which is exactly what its calls were charged.
        for (String subject : subjects()) {
          String[] scopeId = subject.split(":");
          BigDecimal expected = charged.getOrDefault(subject, BigDecimal.ZERO);
          Api.Response cost = api.get("/v1/reports/costs?scope=" + scopeId[0] + "&id=" + scopeId[1] + range);
          assertThat(new BigDecimal(cost.json().get("total").asText())).as(subject + " in the ledger").isEqualByComparingTo(expected);
          assertThat(usedToday(api, scopeId[0], scopeId[1])).as(subject + " counted").isEqualByComparingTo(expected);
          // Past its limit by no more than the commits charged beyond their estimates.
          assertThat(expected).as(subject).isLessThanOrEqualTo(BUDGETS.get(scopeId[0]).add(overrun(subject)));
        }
      }
    }

    private BigDecimal overrun(String subject) {
      BigDecimal overrun = BigDecimal.ZERO;
      for (Outcome o : outcomes) {
        String[] scopeId = subject.split(":");
        if (o.charged() != null && scopeId[1].equals(o.subjects().get(scopeId[0]))) {
          overrun = overrun.add(o.charged().subtract(ESTIMATE).max(BigDecimal.ZERO));
        }
      }
      return overrun;
    }

    private static List<String> subjects() {
      List<String> subjects = new ArrayList<>();
      USERS.forEach(u -> subjects.add("user:" + u));
      subjects.addAll(List.of("team:t0", "team:t1", "project:p"));
      return subjects;
    }

    private static BigDecimal usedToday(Api api, String scope, String id) throws InterruptedException {
      Api.Response r = api.get("/v1/usage/" + scope + "/" + id);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (r.status() == 503 && System.nanoTime() < deadline) {
        Thread.sleep(10); // for the restarted redis-server to be reconnected
        r = api.get("/v1/usage/" + scope + "/" + id);
      }
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      for (JsonNode limit : r.json().get("limits")) {
        if (limit.get("kind").asText().equals("budget_daily")) {
          return new BigDecimal(limit.get("used").asText());
        }
      }
      throw new AssertionError("no daily budget for " + scope + ":" + id + ": " + r);
    }
  }
}
