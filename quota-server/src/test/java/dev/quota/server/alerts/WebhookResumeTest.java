package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.server.Api;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pending deliveries outlive the server that was sending them: a stopped server releases them to
 * the next start, and a dead one's lapse to whichever server looks after the claim lease. The
 * receiver hangs while {@link #hanging} is set, as a receiver that stopped answering does.
 */
class WebhookResumeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  HttpServer receiver;
  ExecutorService receiverThreads;
  String url;
  volatile boolean hanging;
  CountDownLatch hung;
  final CountDownLatch release = new CountDownLatch(1);
  final Map<String, AtomicInteger> deliveredById = new ConcurrentHashMap<>();

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiverThreads = Executors.newCachedThreadPool();
    receiver.setExecutor(receiverThreads);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  @AfterEach
  void stopReceiver() {
    release.countDown();
    receiver.stop(0);
    receiverThreads.shutdownNow();
  }

  private void receive(HttpExchange ex) throws IOException {
    ex.getRequestBody().readAllBytes();
    if (hanging) {
      hung.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
      return;
    }
    deliveredById.computeIfAbsent(ex.getRequestHeaders().getFirst("X-Quota-Alert-Id"), k -> new AtomicInteger()).incrementAndGet();
    ex.sendResponseHeaders(204, -1);
    ex.close();
  }

  @Test
  void deliveriesPendingWhenAServerStopsAreSentByTheNextStart() throws Exception {
    List<ServerConfig.Webhook> hooks = List.of(new ServerConfig.Webhook(url, "whsec-resume"));
    hanging = true;
    hung = new CountDownLatch(2);
    TestServer first = TestServer.start(null, null, null, Clock.systemUTC(), hooks, FAST);
    TestServer second = null;
    try {
      budget(first);
      for (String user : List.of("a", "b", "c")) {
        spend(first, user);
      }
      // Both of the sender's threads now wait on the receiver; the third alert waits behind them.
      assertThat(hung.await(10, TimeUnit.SECONDS)).isTrue();
      hanging = false;
      second = first.restart(Clock.systemUTC(), hooks, FAST);
      for (String user : List.of("a", "b", "c")) {
        JsonNode alert = AlertDeliveries.awaitState(second, "user:" + user, "delivered");
        // The send cut short by the stop is not counted as a refusal.
        assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(1);
        assertThat(deliveredById.get(alert.get("id").asText()).get()).isEqualTo(1);
      }
    } finally {
      (second == null ? first : second).close();
    }
  }

  @Test
  void aDeadServersDeliveriesAreTakenOverOnceTheirClaimLapses() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    List<ServerConfig.Webhook> hooks = List.of(new ServerConfig.Webhook(url, "whsec-resume"));
    try (TestServer server = TestServer.start(null, null, null, clock, hooks, FAST)) {
      // Another process fired this alert and died before delivering it: no one released its claim.
      Alert orphan = SampleAlerts.halfSpent("orphan-1", clock.instant(), "orphan");
      try (Database db = Database.embedded(server.dataDir())) {
        new JdbcAlertHistory(db, clock).append(orphan);
      }
      WebhookSender sender = server.server().webhooks().orElseThrow();
      assertThat(sender.resumeAbandoned()).isZero();
      clock.advance(JdbcAlertHistory.CLAIM_LEASE.plusSeconds(1));
      assertThat(sender.resumeAbandoned()).isEqualTo(1);
      assertThat(AlertDeliveries.awaitState(server, "user:orphan", "delivered").get("id").asText()).isEqualTo("orphan-1");
      assertThat(sender.resumeAbandoned()).isZero();
      assertThat(deliveredById.get("orphan-1").get()).isEqualTo(1);
    }
  }

  private static void budget(TestServer s) {
    assertThat(s.admin.put("/v1/policies/user:*",
        "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isEqualTo(201);
  }

  private static void spend(TestServer s, String user) {
    Api.Response r = s.admin.post("/v1/usage", "{\"subjects\":{\"user\":\"" + user + "\"},\"cost\":\"0.60\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
  }
}
