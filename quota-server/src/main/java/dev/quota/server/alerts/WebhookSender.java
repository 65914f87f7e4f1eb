package dev.quota.server.alerts;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertHandler;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.config.ServerConfig.Webhook;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each fired alert as JSON to every configured webhook, signed with the webhook's secret
 * ({@link WebhookSignature}), and records the delivery in the alert history.
 *
 * <p>Delivery runs on the sender's own threads: {@link #onAlert} only schedules, so neither a
 * decision nor the engine's alert dispatcher waits on a receiver. An attempt sends to every
 * webhook that has not yet answered 2xx; if one fails, the attempt is recorded with its error
 * (still {@code pending}) and retried after {@link Backoff#after}; after the last attempt the
 * alert is {@code failed}. Receivers must tolerate a repeat: the same alert (same {@code id} and
 * {@code X-Quota-Alert-Id}) can arrive again if an answer was lost.
 *
 * <p>Retries live in this process. Alerts still pending when it stops stay {@code pending} in the
 * database; the next start of any server resends those old enough that no live sender can still
 * be retrying them.
 */
public final class WebhookSender implements AlertHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);
  private static final int RESUME_BATCH = 500;

  private final List<Webhook> hooks;
  private final JdbcAlertHistory history;
  private final Clock clock;
  private final Backoff backoff;
  private final HttpClient http;
  private final ScheduledExecutorService executor;

  public WebhookSender(List<Webhook> hooks, JdbcAlertHistory history, Clock clock, Backoff backoff) {
    if (hooks.isEmpty()) {
      throw new IllegalArgumentException("a webhook sender needs at least one webhook");
    }
    this.hooks = List.copyOf(hooks);
    this.history = history;
    this.clock = clock;
    this.backoff = backoff;
    this.http = HttpClient.newBuilder().connectTimeout(SEND_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    this.executor = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "quota-webhooks");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void onAlert(Alert alert) {
    schedule(new Delivery(alert), Duration.ZERO);
  }

  /**
   * Resends pending alerts older than any live sender's retries can last: those a stopped process
   * left behind.
   */
  public int resumeAbandoned() {
    Instant cutoff = clock.instant().minus(backoff.worstCase(SEND_TIMEOUT).plusMinutes(1));
    int n = 0;
    for (Alert a : history.pending(RESUME_BATCH)) {
      if (a.at().isBefore(cutoff)) {
        onAlert(a);
        n++;
      }
    }
    return n;
  }

  private void schedule(Delivery d, Duration delay) {
    try {
      executor.schedule(d::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down: the alert stays pending in the database for the next start.
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** One alert on its way to every webhook. */
  private final class Delivery {
    private final Alert alert;
    private final byte[] body;
    private final BitSet accepted = new BitSet();
    private int attempts;

    Delivery(Alert alert) {
      this.alert = alert;
      this.body = AlertJson.write(alert).getBytes(StandardCharsets.UTF_8);
    }

    void attempt() {
      attempts++;
      String error = null;
      for (int i = 0; i < hooks.size(); i++) {
        if (accepted.get(i)) {
          continue;
        }
        String problem = send(hooks.get(i));
        if (problem == null) {
          accepted.set(i);
        } else {
          error = error == null ? problem : error + "; " + problem;
        }
      }
      try {
        if (error == null) {
          history.markDelivered(alert.id(), clock.instant());
          return;
        }
        boolean giveUp = attempts >= backoff.attempts();
        history.markFailed(alert.id(), "attempt " + attempts + ": " + error, giveUp);
        if (giveUp) {
          LOG.warn("gave up delivering alert {} after {} attempts: {}", alert.id(), attempts, error);
          return;
        }
      } catch (RuntimeException e) {
        // The history is unreachable; keep retrying the receivers, the state catches up later.
        LOG.warn("could not record delivery of alert {}: {}", alert.id(), e.getMessage());
        if (error == null || attempts >= backoff.attempts()) {
          return;
        }
      }
      schedule(this, backoff.after(attempts));
    }

    /** Null when the receiver took it (2xx), else what went wrong. */
    private String send(Webhook hook) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(hook.url()))
          .timeout(SEND_TIMEOUT)
          .header("Content-Type", "application/json")
          .header("X-Quota-Alert-Id", alert.id())
          .header(WebhookSignature.HEADER, WebhookSignature.sign(hook.secret(), body))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        return r.statusCode() / 100 == 2 ? null : hook.url() + " answered " + r.statusCode();
      } catch (IOException e) {
        return hook.url() + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return hook.url() + ": interrupted";
      }
    }
  }
}
