package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * An alert fired before a database outage longer than the claim lease is stored, when the database
 * is back, with a claim that runs from then. It used to be claimed from when it fired, so it was
 * stored with a claim that had lapsed already: a second server sharing the database took it over
 * while the first was still sending it, and the receiver got it twice. Two servers share a
 * PostgreSQL database of the test's own, on one fake clock; the receiver holds the first server's
 * send until the second server has looked for alerts to take over.
 */
class ClaimAfterLongOutageTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";
  private static final Backoff FAST = new Backoff(3, Duration.ofMillis(5), Duration.ofMillis(20));

  private OutagePostgres database;
  private HttpServer receiver;
  private ExecutorService receiverThreads;
  private List<ServerConfig.Webhook> webhooks;
  private final Map<String, AtomicInteger> sendsById = new ConcurrentHashMap<>();
  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);
  private TestServer first;
  private TestServer second;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_claim_outage_");
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiverThreads = Executors.newCachedThreadPool();
    receiver.setExecutor(receiverThreads);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    webhooks = List.of(new ServerConfig.Webhook("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook", "s3cret"));
  }

  @AfterEach
  void stop() throws Exception {
    answer.countDown();
    try {
      if (second != null) {
        second.close();
      }
      if (first != null) {
        first.close();
      }
    } finally {
      receiver.stop(0);
      receiverThreads.shutdownNow();
      database.close();
    }
  }

  /** Counts every send, and holds each until the test lets them go. */
  private void receive(HttpExchange ex) throws IOException {
    ex.getRequestBody().readAllBytes();
    sendsById.computeIfAbsent(ex.getRequestHeaders().getFirst("X-Quota-Alert-Id"), k -> new AtomicInteger())
        .incrementAndGet();
    arrived.countDown();
    try {
      answer.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ex.sendResponseHeaders(204, -1);
    ex.close();
  }

  @Test
  void anAlertStoredAfterAnOutageLongerThanTheLeaseIsNotTakenOverWhileItsServerSendsIt() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    first = TestServer.start(null, null, database.urlWithUser(), clock, webhooks, FAST);
    Api admin = first.admin;
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    // Spend before the outage, so that the budget's counter exists without reading the ledger.
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.10\"}").status()).isEqualTo(200);
    database.takeAway();
    Api.Response spent = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.75\"}");
    assertThat(spent.status()).as(spent.toString()).isEqualTo(200);
    assertThat(first.server().quota().pendingAlerts()).isEqualTo(1);

    clock.advance(JdbcAlertHistory.CLAIM_LEASE.multipliedBy(2));
    database.giveBack();
    assertThat(first.server().quota().drainAlerts(Duration.ofSeconds(30))).isTrue();
    assertThat(arrived.await(30, TimeUnit.SECONDS)).as("the first server sends the alert").isTrue();

    // A second server, on the same clock, looks for alerts to take over while the first still sends.
    second = TestServer.start(null, null, database.urlWithUser(), clock, webhooks, FAST);
    assertThat(second.server().webhooks().orElseThrow().resumeAbandoned()).isZero();

    answer.countDown();
    JsonNode alert = AlertDeliveries.awaitState(first, "user:ann", "delivered");
    awaitNoPendingDeliveries(first);
    awaitNoPendingDeliveries(second);
    assertThat(sendsById).containsOnlyKeys(alert.get("id").asText());
    assertThat(sendsById.get(alert.get("id").asText())).as("sends of the alert").hasValue(1);
  }

  private static void awaitNoPendingDeliveries(TestServer s) throws InterruptedException {
    WebhookSender sender = s.server().webhooks().orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sender.pendingDeliveries() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10); // between polls of the sender's work; no test waits for time to pass
    }
    assertThat(sender.pendingDeliveries()).isZero();
  }
}
