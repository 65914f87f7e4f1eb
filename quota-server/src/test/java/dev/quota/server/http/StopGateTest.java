package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gate a stopping server shuts before Jetty's own stop begins, over real sockets: requests let
 * in before it shut finish as usual, every later one is refused {@code shutting-down}, whatever its
 * path, without reaching a route.
 */
class StopGateTest {
  private final StopGate gate = new StopGate();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger routeRuns = new AtomicInteger();
  private Javalin app;
  private HttpClient http;

  @BeforeEach
  void start() {
    app = Javalin.create(c -> c.showJavalinBanner = false);
    gate.install(app);
    app.get("/ping", ctx -> {
      routeRuns.incrementAndGet();
      ctx.result("pong");
    });
    app.get("/slow", ctx -> {
      entered.countDown();
      release.await(20, TimeUnit.SECONDS);
      ctx.result("done");
    });
    app.start("127.0.0.1", 0);
    http = HttpClient.newHttpClient();
  }

  @AfterEach
  void stop() {
    release.countDown();
    app.stop();
  }

  @Test
  void anOpenGateLetsRequestsThrough() throws Exception {
    HttpResponse<String> r = get("/ping");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("pong");
  }

  @Test
  void onceShutEveryNewRequestIsRefusedAsShuttingDownWhileOneLetInBeforeFinishes() throws Exception {
    CompletableFuture<HttpResponse<String>> inFlight =
        http.sendAsync(request("/slow"), HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

    gate.shut();

    for (String path : new String[] {"/ping", "/no/such/route"}) {
      HttpResponse<String> refused = get(path);
      assertThat(refused.statusCode()).as(path).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
      JsonNode problem = new ObjectMapper().readTree(refused.body());
      assertThat(problem.get("type").asText()).isEqualTo("urn:quota:problem:shutting-down");
      assertThat(problem.get("instance").asText()).isEqualTo(path);
    }
    assertThat(routeRuns.get()).isZero();

    release.countDown();
    HttpResponse<String> finished = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    assertThat(finished.body()).isEqualTo("done");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build();
  }
}
