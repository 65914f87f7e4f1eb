package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.alert.Alert;
import dev.quota.alert.SampleAlerts;
import dev.quota.jdbc.Database;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.WebhookRef;
import dev.quota.server.Polling;
import dev.quota.server.config.ServerConfig;
import dev.quota.store.conformance.MutableClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delivery to a port nobody listens on records what happened and where: the JDK's client reports
 * a refused connection as a ConnectException with no message, and that bare class name was all the
 * alert's lastError said. The webhook's URL carries credentials and a token, which the error, stored
 * and shown by the API, must not. The history is in H2; the port is a loopback port just closed.
 */
class RefusedConnectionErrorTest {
  private static final Instant T0 = Instant.parse("2025-03-10T12:00:00Z");
  private static final Duration GUARD = Duration.ofSeconds(20);

  @TempDir Path dir;

  @Test
  void aRefusedConnectionIsRecordedAsRefusedNamingTheAddressWithoutTheUrlsSecrets() throws Exception {
    int port = closedLoopbackPort();
    String url = "http://hook-user:pa55word@127.0.0.1:" + port + "/quota-alerts?token=t0k3n";
    MutableClock clock = new MutableClock(T0);
    try (Database db = Database.embedded(dir)) {
      JdbcAlertHistory history = new JdbcAlertHistory(db, List.of(WebhookRef.of(url)), clock);
      Alert a = SampleAlerts.halfSpent("alert-1", T0, "ann");
      history.append(a);
      WebhookSender sender = new WebhookSender(List.of(new ServerConfig.Webhook(url, "s3cret")), history, clock,
          new Backoff(1, Duration.ofMillis(5), Duration.ofMillis(5)));
      try {
        sender.onAlert(a);
        Polling.awaitUntil(GUARD, () -> history.delivery(a.id()).orElseThrow().state() != DeliveryState.PENDING);
      } finally {
        sender.close();
      }
      JdbcAlertHistory.Delivery d = history.delivery(a.id()).orElseThrow();
      String expected = "attempt 1: http://127.0.0.1:" + port + "/quota-alerts: connection refused: 127.0.0.1:" + port;
      assertThat(d.state()).isEqualTo(DeliveryState.FAILED);
      assertThat(d.lastError()).isEqualTo(expected);
      assertThat(d.webhooks().get(0).lastError()).isEqualTo(expected);
    }
  }

  /** A loopback port that was just free: bound, then closed, so a connection to it is refused. */
  private static int closedLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
