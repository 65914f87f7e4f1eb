package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request whose body does not arrive whole within the body deadline is answered 408 naming
 * {@code body}, and its request thread is free again. Without the deadline only the connection's
 * idle timeout (30 s) bounded a read, restarted by every byte: a client sending one byte now and
 * then held a request thread for as long as it liked. The deadline is shortened to a fraction of a
 * second here; the sockets are real.
 */
class BodyDeadlineTest {
  private static final Duration DEADLINE = Duration.ofMillis(300);
  private static final String USAGE = "{\"subjects\":{\"user\":\"slow\"},\"cost\":\"0.10\"}";
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.withBodyDeadline(DEADLINE);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aBodyThatStopsHalfWayIsAnswered408AndTheServerServesOn() throws Exception {
    byte[] body = USAGE.getBytes(StandardCharsets.UTF_8);
    try (Socket slow = new Socket("127.0.0.1", server.server().port())) {
      slow.setSoTimeout(20_000); // far longer than the deadline: the server must answer first
      OutputStream out = slow.getOutputStream();
      out.write(("POST /v1/usage HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_KEY
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, 0, 10);
      out.flush();

      RawHttp.Response late = RawHttp.next(slow.getInputStream());

      assertThat(late.status()).as(late.toString()).isEqualTo(408);
      assertThat(late.header("content-type")).startsWith("application/problem+json");
      assertThat(late.json().get("type").asText()).isEqualTo("urn:quota:problem:body-timeout");
      assertThat(late.json().get("field").asText()).isEqualTo("body");
      assertThat(late.json().get("rule").asText()).isEqualTo("must arrive whole within 300 ms");
    }
    assertThat(server.admin.post("/v1/usage", USAGE).status()).as("a body sent whole is taken").isEqualTo(200);
    // The late request recorded nothing: the one usage of user:slow is the whole one.
    com.fasterxml.jackson.databind.JsonNode report = server.admin.get("/v1/reports/costs?scope=user&id=slow").json();
    assertThat(report.get("total").asText()).isEqualTo("0.10");
    assertThat(report.get("totals").get(0).get("entries").asInt()).isEqualTo(1);
  }
}
