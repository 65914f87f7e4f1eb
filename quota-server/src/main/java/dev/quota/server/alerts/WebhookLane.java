package dev.quota.server.alerts;

import dev.quota.jdbc.WebhookRef;
import dev.quota.server.config.ServerConfig.Webhook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One webhook's deliveries, on threads of its own: at most {@link #CONCURRENCY} requests to it at
 * once, each given {@link #SEND_TIMEOUT} to answer. A receiver that hangs or is down therefore only
 * delays its own alerts; every other webhook keeps its own pace. It holds a bounded number of
 * alerts in memory ({@link LaneBacklog}), so one that hangs does not hold every alert fired.
 */
final class WebhookLane {
  static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);
  static final int CONCURRENCY = 2;
  /** A send whose status line has not come yet. */
  private static final int NO_STATUS = -1;

  private final Webhook hook;
  private final WebhookRef ref;
  private final HttpClient http;
  private final Duration sendTimeout;
  private final ScheduledExecutorService executor;
  /** The URL's user info as HTTP Basic credentials, or null if it has none. */
  private final String authorization;
  private final LaneBacklog backlog;

  WebhookLane(Webhook hook, int index, HttpClient http, Duration sendTimeout, int bound) {
    this.hook = hook;
    this.backlog = new LaneBacklog(bound);
    this.sendTimeout = sendTimeout;
    this.ref = WebhookRef.of(hook.url());
    this.authorization = basicCredentials(URI.create(hook.url()));
    this.http = http;
    this.executor = Executors.newScheduledThreadPool(CONCURRENCY, r -> {
      Thread t = new Thread(r, "quota-webhook-" + index);
      t.setDaemon(true);
      return t;
    });
  }

  /** How long one send may take, {@link #SEND_TIMEOUT} but in tests. */
  Duration sendTimeout() {
    return sendTimeout;
  }

  /** The alerts this lane holds in memory, and whether more wait in the database. */
  LaneBacklog backlog() {
    return backlog;
  }

  Webhook hook() {
    return hook;
  }

  /** How the alert history names this webhook. */
  WebhookRef ref() {
    return ref;
  }

  /** The URL without user info, query or fragment, which may carry credentials: fit for metric labels. */
  String label() {
    return ref.url();
  }

  /** Runs {@code task} on this webhook's threads after {@code delay}; false once the lane is stopped. */
  boolean schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /**
   * Null when the receiver took {@code body} (2xx), else what went wrong, naming the webhook by its
   * {@link #label} and saying what happened ({@link SendFailure}): the error is stored and shown in
   * the API, where credentials have no place.
   *
   * <p>The send timeout bounds the whole answer, body included: the client's own request timeout
   * ends once the headers are in, so a receiver that then stalled in its body held this thread for
   * good. A status that came in time stands even if its body did not: the receiver has decided.
   */
  String send(String alertId, byte[] body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(hook.url()))
        .timeout(sendTimeout)
        .header("Content-Type", "application/json")
        .header("X-Quota-Alert-Id", alertId)
        .header(WebhookSignature.HEADER, WebhookSignature.sign(hook.secret(), body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    AtomicInteger status = new AtomicInteger(NO_STATUS);
    CompletableFuture<HttpResponse<Void>> answer = http.sendAsync(request.build(), head -> {
      status.set(head.statusCode());
      return HttpResponse.BodySubscribers.discarding();
    });
    try {
      return verdict(answer.get(sendTimeout.toNanos(), TimeUnit.NANOSECONDS).statusCode());
    } catch (TimeoutException e) {
      answer.cancel(true); // closes the connection rather than leave it to the receiver
      int s = status.get();
      return s == NO_STATUS ? label() + ": no answer within " + sendTimeout : verdict(s);
    } catch (ExecutionException e) {
      return label() + ": " + SendFailure.describe(e.getCause(), URI.create(hook.url()), sendTimeout);
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      return label() + ": interrupted";
    }
  }

  /** Null for a 2xx status, else the error naming it. */
  private String verdict(int status) {
    return status / 100 == 2 ? null : label() + " answered " + status;
  }

  /**
   * {@code Basic} credentials from the user info of {@code url} ({@code https://user:password@host/}),
   * percent-decoded, as any HTTP client sends them for such a URL: the JDK's client drops user info,
   * so a receiver behind Basic authentication answered every alert 401. Null without user info.
   */
  static String basicCredentials(URI url) {
    String userInfo = url.getUserInfo();
    if (userInfo == null) {
      return null;
    }
    // RFC 7617 credentials are user-id ':' password; a URL naming only a user (a token) has an empty password.
    String credentials = userInfo.indexOf(':') < 0 ? userInfo + ":" : userInfo;
    return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Interrupts sends in flight and drops queued ones, refusing any scheduled later; returns how
   * many queued sends it dropped.
   */
  int stop() {
    return executor.shutdownNow().size();
  }

  /** Waits until stopped sends have ended; false if {@code timeout} ran out first. */
  boolean awaitStopped(Duration timeout) throws InterruptedException {
    return executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
