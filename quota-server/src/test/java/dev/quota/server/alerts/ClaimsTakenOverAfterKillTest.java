package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.quota.server.Api;
import dev.quota.server.OutagePostgres;
import dev.quota.server.ServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * A server killed with SIGKILL while it sends an alert it stored leaves the alert pending under its
 * claim, which nothing released. The next server started on the same data directory takes that
 * claim over at start and delivers the alert; it used to leave the alert alone until the claim
 * lapsed, up to five minutes later. The servers are real {@code quota serve} processes, so that the
 * first can be killed, on a PostgreSQL database of the test's own; the receiver holds the first
 * server's send until the test ends.
 */
class ClaimsTakenOverAfterKillTest {
  private static final String POLICY = "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.8]}";

  private OutagePostgres database;
  private Path dataDir;
  private HttpServer receiver;
  private ExecutorService receiverThreads;
  private String hook;
  private volatile boolean holding = true;
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final Map<String, AtomicInteger> sendsById = new ConcurrentHashMap<>();
  private ServerProcess server;

  @BeforeEach
  void start() throws Exception {
    database = OutagePostgres.create("qs_claims_kill_");
    dataDir = Files.createTempDirectory("quota-killed-sender");
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiverThreads = Executors.newCachedThreadPool();
    receiver.setExecutor(receiverThreads);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    try {
      if (server != null) {
        server.kill();
      }
    } finally {
      receiver.stop(0);
      receiverThreads.shutdownNow();
      database.close();
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private void receive(HttpExchange ex) throws IOException {
    ex.getRequestBody().readAllBytes();
    sendsById.computeIfAbsent(ex.getRequestHeaders().getFirst("X-Quota-Alert-Id"), k -> new AtomicInteger())
        .incrementAndGet();
    if (holding) {
      held.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ex.sendResponseHeaders(204, -1);
    ex.close();
  }

  @Test
  void theNextStartOnTheDataDirectoryTakesOverTheKilledServersClaimsAtOnce() throws Exception {
    server = launch();
    Api admin = server.admin();
    assertThat(admin.put("/v1/policies/user:*", POLICY).status()).isEqualTo(201);
    assertThat(admin.post("/v1/usage", "{\"subjects\":{\"user\":\"ann\"},\"cost\":\"0.85\"}").status()).isEqualTo(200);
    assertThat(held.await(30, TimeUnit.SECONDS)).as(server.output()).isTrue();
    JsonNode sending = alert(admin);
    assertThat(sending.get("delivery").get("state").asText()).isEqualTo("pending");
    String id = sending.get("id").asText();

    server.kill();
    holding = false;
    server = launch();
    admin = server.admin();
    // Well within the five minutes the killed server's claim would take to lapse.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode alert = alert(admin);
    while (!"delivered".equals(alert.get("delivery").get("state").asText()) && System.nanoTime() < deadline) {
      Thread.sleep(20); // between polls of the server's work; no test waits for time to pass
      alert = alert(admin);
    }
    assertThat(alert.get("delivery").get("state").asText()).as(server.output()).isEqualTo("delivered");
    assertThat(alert.get("id").asText()).isEqualTo(id);
    // The send the kill cut short got no answer, so it is not counted; the next server's is the first.
    assertThat(alert.get("delivery").get("attempts").asInt()).isEqualTo(1);
    assertThat(sendsById).containsOnlyKeys(id);
    assertThat(sendsById.get(id)).hasValue(2);
  }

  private static JsonNode alert(Api admin) {
    JsonNode alerts = admin.get("/v1/alerts?subject=user:ann").json().get("alerts");
    assertThat(alerts).hasSize(1);
    return alerts.get(0);
  }

  private ServerProcess launch() throws Exception {
    return ServerProcess.launch(dataDir, Map.of("QUOTA_WEBHOOK_URLS", hook, "QUOTA_WEBHOOK_SECRET", "s3cret"),
        "--database", database.urlWithUser());
  }
}
