package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With Redis down, a commit, a release and a read of usage answer 503 saying the counter store
 * cannot be reached; they said "a fail-closed policy applies", though no policy decides them. A
 * decision refused by a fail-closed policy keeps saying so. Uses a private redis-server on a
 * spare loopback port, stopped by the test.
 */
class StoreOutageDetailTest {
  private static final String STORE_DOWN = "the counter store cannot be reached; the request changed nothing; retry shortly";
  private static final String FAIL_CLOSED = "the counter store is unavailable and a fail-closed policy applies";

  @Test
  void onlyDecisionsNameTheFailClosedPolicy() throws Exception {
    int port = sparePort();
    Process redis = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no"))
        .redirectErrorStream(true)
        .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "quota-server-redis-" + port + ".log"))
        .start();
    try {
      awaitPort(port);
      try (TestServer server = TestServer.start("redis://127.0.0.1:" + port, "outage:", null)) {
        Api admin = server.admin;
        admin.put("/v1/policies/user:*", "{\"rateLimits\":[{\"limit\":5,\"window\":\"PT1M\"}]}");
        Api.Response reserved = admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"},\"estimatedCost\":\"1\"}");
        assertThat(reserved.status()).as(reserved.toString()).isEqualTo(201);
        String id = reserved.json().get("reservationId").asText();

        redis.destroy();
        assertThat(redis.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertStoreDown(admin.post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.5\"}"), STORE_DOWN);
        assertStoreDown(admin.post("/v1/reservations/" + id + "/release", null), STORE_DOWN);
        assertStoreDown(admin.get("/v1/usage/user/ann"), STORE_DOWN);
        assertStoreDown(admin.post("/v1/reservations", "{\"subjects\":{\"user\":\"ann\"}}"), FAIL_CLOSED);
        assertStoreDown(admin.post("/v1/check", "{\"subjects\":{\"user\":\"ann\"}}"), FAIL_CLOSED);
      }
    } finally {
      redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void assertStoreDown(Api.Response r, String detail) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.json().get("type").asText()).isEqualTo("urn:quota:problem:store-unavailable");
    assertThat(r.json().get("detail").asText()).as(r.toString()).isEqualTo(detail);
    assertThat(r.header("Retry-After")).isEqualTo("1");
  }

  /** A free port among those set aside for tests' own redis-servers. */
  private static int sparePort() throws IOException {
    for (int port = 16430; port <= 16440; port++) {
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try the next one
      }
    }
    throw new IOException("no free port in 16430-16440");
  }

  private static void awaitPort(int port) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.onSpinWait();
      }
    }
    throw new IOException("redis-server did not start on port " + port);
  }
}
