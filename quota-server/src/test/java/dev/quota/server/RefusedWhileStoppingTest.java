package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that arrives on a connection kept open while the server stops gracefully (SIGTERM) is
 * refused by the web server before any route sees it: that refusal is the server's own
 * {@code shutting-down} problem with {@code Retry-After}, as for a request the closed engine
 * refuses, not a generic 503 that gives a client no hint to retry.
 */
class RefusedWhileStoppingTest {
  private static final String USAGE = "{\"subjects\":{\"user\":\"slow\"},\"cost\":\"0.10\"}";

  @Test
  void aRequestOnAKeptOpenConnectionDuringTheStopIsRefusedAsShuttingDown(@TempDir Path dir) throws Exception {
    try (ServerProcess server = ServerProcess.launch(dir, Map.of());
         Socket kept = new Socket("127.0.0.1", port(server));
         Socket inFlight = new Socket("127.0.0.1", port(server))) {
      kept.setSoTimeout(20_000);
      inFlight.setSoTimeout(20_000);
      assertThat(health(kept).status()).isEqualTo(200);

      // A request whose route waits for its body holds the stop's drain open: Jetty sends
      // "100 Continue" only once the route reads the body, so the request is in flight by then.
      OutputStream slow = inFlight.getOutputStream();
      byte[] body = USAGE.getBytes(StandardCharsets.UTF_8);
      slow.write(("POST /v1/usage HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      slow.flush();
      assertThat(RawHttp.next(inFlight.getInputStream()).status()).isEqualTo(100);

      // A request begun on the kept connection, its headers not yet ended when the stop begins.
      OutputStream keptOut = kept.getOutputStream();
      keptOut.write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.ISO_8859_1));
      keptOut.flush();

      ProcessHandle.of(server.pid()).orElseThrow().destroy(); // SIGTERM
      Polling.awaitUntil(Duration.ofSeconds(20), () -> !accepts(port(server)));

      keptOut.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      keptOut.flush();
      RawHttp.Response refused = RawHttp.next(kept.getInputStream());
      assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
      assertThat(refused.header("content-type")).startsWith("application/problem+json");
      assertThat(refused.json().get("type").asText()).isEqualTo("urn:quota:problem:shutting-down");
      assertThat(refused.json().get("detail").asText())
          .isEqualTo("the server is shutting down; the request changed nothing; retry shortly");
      assertThat(refused.header("retry-after")).isEqualTo("1");

      slow.write(body);
      slow.flush();
      assertThat(RawHttp.next(inFlight.getInputStream()).status()).isEqualTo(200);
    }
  }

  private static RawHttp.Response health(Socket connection) throws Exception {
    OutputStream out = connection.getOutputStream();
    out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = connection.getInputStream();
    return RawHttp.next(in);
  }

  /** Whether the server still takes new connections: a stopping one closed its listening socket. */
  private static boolean accepts(int port) {
    try (Socket probe = new Socket("127.0.0.1", port)) {
      return true;
    } catch (java.io.IOException refused) {
      return false;
    }
  }

  private static int port(ServerProcess server) {
    return URI.create(server.url()).getPort();
  }
}
