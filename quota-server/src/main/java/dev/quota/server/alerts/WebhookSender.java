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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Retries live in this process, over alerts it has claimed in the history (see {@link
 * JdbcAlertHistory}): those it fired itself and those it took over. Every minute, and at {@link
 * #start}, it renews its claims and takes over pending alerts whose claim lapsed (their server
 * died) or was released (their server stopped). {@link #close} waits for sends in flight to be
 * interrupted, records nothing for them and releases its claims, so the next server to look resends
 * them at once; it must run before the database closes.
 */
public final class WebhookSender implements AlertHandler, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);
  private static final int RESUME_BATCH = 500;
  /** Well within {@link JdbcAlertHistory#CLAIM_LEASE}, so a live sender's claims never lapse. */
  private static final Duration CLAIM_RENEWAL = Duration.ofMinutes(1);

  private final List<Webhook> hooks;
  private final JdbcAlertHistory history;
  private final Clock clock;
  private final Backoff backoff;
  private final HttpClient http;
  private final ScheduledExecutorService executor;
  private final ScheduledExecutorService claims;
  /** Ids of the alerts this sender is delivering, so a takeover never queues one twice. */
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

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
    this.claims = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "quota-webhook-claims");
      t.setDaemon(true);
      return t;
    });
  }

  /** Takes over abandoned alerts now and every minute, on a thread of its own so a hanging receiver cannot delay it. */
  public void start() {
    claims.scheduleWithFixedDelay(this::maintainClaims, 0, CLAIM_RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void onAlert(Alert alert) {
    if (held.add(alert.id())) {
      schedule(new Delivery(alert), Duration.ZERO);
    }
  }

  private void maintainClaims() {
    try {
      history.renewClaims(clock.instant().plus(JdbcAlertHistory.CLAIM_LEASE));
      int resumed = resumeAbandoned();
      if (resumed > 0) {
        LOG.info("resending {} alerts left pending by a stopped server", resumed);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not renew or take over webhook deliveries: {}", e.getMessage());
    }
  }

  /**
   * Claims pending alerts nobody holds (their server stopped or died) and delivers them; returns
   * how many it took over.
   */
  public int resumeAbandoned() {
    Instant now = clock.instant();
    int n = 0;
    for (Alert a : history.claimAbandoned(now, now.plus(JdbcAlertHistory.CLAIM_LEASE), RESUME_BATCH)) {
      if (held.add(a.id())) {
        schedule(new Delivery(a), Duration.ZERO);
        n++;
      }
    }
    return n;
  }

  private void schedule(Delivery d, Duration delay) {
    try {
      executor.schedule(d::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // Shutting down: the alert stays pending in the database, and its claim is released.
    }
  }

  /**
   * Stops delivering: interrupts sends in flight, waits for them to end, then releases this
   * sender's claims so another server resends those alerts. Call it before the database closes.
   */
  @Override
  public void close() {
    closing = true;
    claims.shutdownNow();
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("webhook deliveries did not stop within {}", SEND_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      history.releaseClaims();
    } catch (RuntimeException e) {
      // They lapse instead, and another server takes them over a few minutes later.
      LOG.warn("could not release claims on pending webhook deliveries: {}", e.getMessage());
    }
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
      if (closing) {
        return;
      }
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
      if (closing) {
        // Cut short by the shutdown, not refused by a receiver: the next holder resends it.
        return;
      }
      try {
        if (error == null) {
          history.markDelivered(alert.id(), clock.instant());
          held.remove(alert.id());
          return;
        }
        boolean giveUp = attempts >= backoff.attempts();
        history.markFailed(alert.id(), "attempt " + attempts + ": " + error, giveUp);
        if (giveUp) {
          LOG.warn("gave up delivering alert {} after {} attempts: {}", alert.id(), attempts, error);
          held.remove(alert.id());
          return;
        }
      } catch (RuntimeException e) {
        // The history is unreachable; keep retrying the receivers, the state catches up later.
        LOG.warn("could not record delivery of alert {}: {}", alert.id(), e.getMessage());
        if (error == null || attempts >= backoff.attempts()) {
          held.remove(alert.id());
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
