package dev.quota.server.alerts;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on a loopback port, over real sockets, that counts the sends it gets (in all,
 * and of each alert by its {@code X-Quota-Alert-Id}) and answers each as its test's {@link Answer}
 * says. Each send has a thread of its own, so that one the test holds open holds up no other. It
 * may serve several webhooks of one host, each at a path of its own; its counts are of them all.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** Takes every send. */
  static final Answer TAKES_EVERYTHING = send -> 204;
  /** What an {@link Answer} returns to close the connection with no answer at all. */
  static final int NO_ANSWER = -1;

  /** One send as it arrived. */
  public record Send(String alertId, byte[] body, Headers headers) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** The status the receiver answers a send with, or {@link #NO_ANSWER}; it may hold the send first. */
  @FunctionalInterface
  public interface Answer {
    int to(Send send) throws IOException;
  }

  private final HttpServer http;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final String url;
  private final AtomicInteger sends = new AtomicInteger();
  private final Map<String, AtomicInteger> sendsById = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> takenById = new ConcurrentHashMap<>();

  private WebhookReceiver(String path, Answer answer) throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.setExecutor(threads);
    and(path, answer);
    http.start();
    url = origin() + path;
  }

  /** A receiver at {@code /hook}. */
  public static WebhookReceiver start(Answer answer) throws IOException {
    return start("/hook", answer);
  }

  /** A receiver at {@code path}, which shows in the URL the server is configured with, and so in its errors. */
  static WebhookReceiver start(String path, Answer answer) throws IOException {
    return new WebhookReceiver(path, answer);
  }

  /** Serves another webhook of the same host (the same origin), at {@code path}. */
  WebhookReceiver and(String path, Answer answer) {
    http.createContext(path, ex -> receive(ex, answer));
    return this;
  }

  /** The URL of the webhook it was started with, with no query. */
  public String url() {
    return url;
  }

  /** The URL of the webhook at {@code path}. */
  String url(String path) {
    return origin() + path;
  }

  /** Scheme, host and port: how the server labels the webhook's metrics. */
  String origin() {
    return "http://127.0.0.1:" + http.getAddress().getPort();
  }

  /** Every send that arrived, whatever it was answered. */
  int sends() {
    return sends.get();
  }

  /** Every send that arrived, by alert id, whatever it was answered. */
  Map<String, AtomicInteger> sendsById() {
    return Collections.unmodifiableMap(sendsById);
  }

  /** The sends answered with a success, by alert id: each is counted before its answer leaves. */
  public Map<String, AtomicInteger> takenById() {
    return Collections.unmodifiableMap(takenById);
  }

  /** The sends of one alert that arrived, 0 for none. */
  public int sends(String alertId) {
    AtomicInteger n = sendsById.get(alertId);
    return n == null ? 0 : n.get();
  }

  private void receive(HttpExchange ex, Answer answer) throws IOException {
    String alertId = ex.getRequestHeaders().getFirst("X-Quota-Alert-Id");
    Send send = new Send(alertId, ex.getRequestBody().readAllBytes(), ex.getRequestHeaders());
    sends.incrementAndGet();
    if (alertId != null) {
      sendsById.computeIfAbsent(alertId, k -> new AtomicInteger()).incrementAndGet();
    }
    int status = answer.to(send);
    if (status != NO_ANSWER) {
      if (status >= 200 && status < 300 && alertId != null) {
        takenById.computeIfAbsent(alertId, k -> new AtomicInteger()).incrementAndGet();
      }
      ex.sendResponseHeaders(status, -1);
    }
    ex.close();
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
  }
}
