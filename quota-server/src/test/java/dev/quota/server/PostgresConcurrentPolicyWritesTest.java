package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Writes of one selector raced between two servers sharing one PostgreSQL database, each holding
 * only its own configuration lock: as admins on several servers write. Every write gets one of its
 * documented answers, never a 500, and the audit trail records what each write actually found.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresConcurrentPolicyWritesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PostgresSchema schema = new PostgresSchema();
  private TestServer first;
  private TestServer second;

  @BeforeAll
  void start() {
    first = TestServer.start(null, null, schema.url());
    second = TestServer.start(null, null, schema.url());
  }

  @AfterAll
  void stop() {
    first.close();
    second.close();
    schema.drop();
  }

  private static String limit(long perMinute) {
    return "{\"rateLimits\":[{\"limit\":" + perMinute + ",\"window\":\"PT1M\"}]}";
  }

  /**
   * Whether a PUT without a condition created (201) or replaced (200), and the before-state its
   * audit entry records, are what its own write found: exactly one PUT creates, and every other
   * replaced what another one wrote.
   */
  @Test
  void exactlyOnePutCreatesAndEveryOtherReplacesWhatAnotherWrote() throws Exception {
    int writers = 8;
    List<Api> servers = List.of(first.admin, second.admin);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 10; round++) {
        String selector = "project:put" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Api.Response>> answers = new ArrayList<>();
        for (int i = 1; i <= writers; i++) {
          Api api = servers.get(i % servers.size());
          String body = limit(i);
          String reason = "writer" + i;
          answers.add(pool.submit(() -> {
            start.await();
            return api.put("/v1/policies/" + selector + "?reason=" + reason, body);
          }));
        }
        start.countDown();
        Map<String, Integer> statusByReason = new HashMap<>();
        for (int i = 1; i <= writers; i++) {
          Api.Response r = answers.get(i - 1).get(30, TimeUnit.SECONDS);
          assertThat(r.status()).as("round " + round + ": " + r).isIn(200, 201);
          statusByReason.put("writer" + i, r.status());
        }

        // Oldest first: each entry's before is what the previous one wrote.
        List<JsonNode> trail = new ArrayList<>();
        first.admin.get("/v1/audit?limit=500&target=" + selector).json().get("entries").forEach(trail::add);
        trail.sort((a, b) -> Long.compare(a.get("id").asLong(), b.get("id").asLong()));
        assertThat(trail).as("round " + round).hasSize(writers);
        JsonNode previous = null;
        for (JsonNode e : trail) {
          String at = "round " + round + ", " + e;
          int status = statusByReason.get(e.get("reason").asText());
          if (previous == null) {
            assertThat(status).as(at).isEqualTo(201);
            assertThat(e.get("action").asText()).as(at).isEqualTo("policy.create");
            assertThat(e.get("before").isNull()).as(at).isTrue();
          } else {
            assertThat(status).as(at).isEqualTo(200);
            assertThat(e.get("action").asText()).as(at).isEqualTo("policy.update");
            assertThat(e.get("before").asText()).as(at).isEqualTo(previous.get("after").asText());
          }
          previous = e;
        }
        ObjectNode inForce = (ObjectNode) first.admin.get("/v1/policies/" + selector).json();
        inForce.remove("selector");
        assertThat(JSON.readTree(previous.get("after").asText())).isEqualTo(inForce);
      }
    } finally {
      pool.shutdown();
    }
  }

  /** A delete racing a put or a create of its selector deadlocked in the database: a 500. */
  @Test
  void putsCreatesAndDeletesOfOneSelectorGetOnlyTheirDocumentedAnswers() throws Exception {
    String selector = "team:churn";
    int writers = 6;
    List<Api> servers = List.of(first.admin, second.admin);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<String>>> outcomes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        Api api = servers.get(w % servers.size());
        outcomes.add(pool.submit(() -> {
          start.await();
          List<String> unexpected = new ArrayList<>();
          for (int i = 0; i < 15; i++) {
            String path = "/v1/policies/" + selector + "?reason=w" + writer + "." + i;
            Api.Response r = switch ((writer + i) % 3) {
              case 0 -> api.put(path, limit(writer * 100L + i + 1));
              case 1 -> api.send("PUT", path, limit(writer * 100L + i + 1), "If-None-Match", "*");
              default -> api.delete(path);
            };
            boolean documented = switch ((writer + i) % 3) {
              case 0 -> r.status() == 200 || r.status() == 201;
              case 1 -> r.status() == 201 || r.status() == 412;
              default -> r.status() == 204 || r.status() == 404;
            };
            if (!documented) {
              unexpected.add(r.toString());
            }
          }
          return unexpected;
        }));
      }
      start.countDown();
      for (Future<List<String>> f : outcomes) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEmpty();
      }

      List<JsonNode> trail = new ArrayList<>();
      first.admin.get("/v1/audit?limit=500&target=" + selector).json().get("entries").forEach(trail::add);
      trail.sort((a, b) -> Long.compare(a.get("id").asLong(), b.get("id").asLong()));
      String state = null;
      for (JsonNode e : trail) {
        String before = e.get("before").isNull() ? null : e.get("before").asText();
        assertThat(before).as(e.toString()).isEqualTo(state);
        state = e.get("after").isNull() ? null : e.get("after").asText();
      }
      Api.Response inForce = first.admin.get("/v1/policies/" + selector);
      if (state == null) {
        assertThat(inForce.status()).isEqualTo(404);
      } else {
        ObjectNode policy = (ObjectNode) inForce.json();
        policy.remove("selector");
        assertThat(JSON.readTree(state)).isEqualTo(policy);
      }
    } finally {
      pool.shutdown();
    }
  }
}
