package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.server.Api;
import dev.quota.server.Polling;
import dev.quota.server.PostgresSchema;
import dev.quota.server.TestServer;
import dev.quota.server.config.ServerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code quota_alert_deliveries_deferred} on /metrics: the deliveries a server left waiting in the
 * alert history beyond a webhook's bound in memory, which {@code quota_alert_deliveries_pending}
 * (sends held in memory) never counted, so a webhook hanging behind thousands of alerts looked like
 * one with a few. A receiver that hangs is sent more alerts than the bound; once it answers again,
 * every one is read back and delivered, and none is deferred. On H2 and on PostgreSQL.
 */
class DeferredDeliveriesGaugeTest {
  private static final int BOUND = 4;
  private static final int ALERTS = 10;
  private static final Duration GUARD = Duration.ofSeconds(60);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"h2", "postgresql"})
  void deliveriesBeyondTheBoundAreDeferredUntilTheHangingReceiverDrains(String database) throws Exception {
    PostgresSchema schema = database.equals("postgresql") ? new PostgresSchema() : null;
    HeldSends hung = new HeldSends(WebhookLane.CONCURRENCY);
    try (WebhookReceiver receiver = WebhookReceiver.start(send -> {
          hung.hold();
          return 204;
        });
        TestServer server = TestServer.withWebhookBound(schema == null ? null : schema.url(),
            List.of(new ServerConfig.Webhook(receiver.url(), "s3cret")), Backoff.DEFAULT, BOUND)) {
      Api admin = server.admin;
      assertThat(admin.metric("quota_alert_deliveries_deferred")).isEqualTo("0.0");
      assertThat(admin.put("/v1/policies/user:*",
          "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"},\"alertThresholds\":[0.5]}").status()).isIn(200, 201);
      for (int i = 0; i < ALERTS; i++) {
        Api.Response r = admin.post("/v1/usage", "{\"subjects\":{\"user\":\"u" + i + "\"},\"cost\":\"0.60\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
      }
      assertThat(hung.awaitHeld(GUARD.toSeconds(), TimeUnit.SECONDS)).isTrue();

      // Two sends hang, two wait behind them: the rest wait in the history.
      Polling.awaitUntil(GUARD, () -> String.valueOf((double) (ALERTS - BOUND)).equals(admin.metric("quota_alert_deliveries_deferred")));
      assertThat(admin.metric("quota_alert_deliveries_pending")).isEqualTo(String.valueOf((double) BOUND));

      hung.release();
      Polling.awaitUntil(GUARD, () -> receiver.takenById().size() == ALERTS
          && "0.0".equals(admin.metric("quota_alert_deliveries_pending")));
      assertThat(admin.metric("quota_alert_deliveries_deferred")).isEqualTo("0.0");
      assertThat(receiver.takenById().values()).allMatch(n -> n.get() == 1);
    } finally {
      hung.release();
      if (schema != null) {
        schema.drop();
      }
    }
  }
}
