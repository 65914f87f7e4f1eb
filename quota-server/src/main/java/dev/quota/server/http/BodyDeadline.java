package dev.quota.server.http;

import io.javalin.config.Key;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request's body within a deadline. The connection's idle timeout alone does not bound
 * it: every byte restarts that timeout, so a client that sends one now and then would hold a
 * request thread for as long as it liked, and a few hundred such clients would hold them all. Each
 * read here waits at most what is left of the deadline (the connection's idle timeout is lowered
 * to that for the read, then restored), and a body not whole by then is answered 408.
 */
public final class BodyDeadline {
  /** Far longer than any client that means to send a body of at most 64 KiB takes. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);
  /** Where a server keeps its deadline, when it sets one other than {@link #DEFAULT}. */
  public static final Key<Duration> KEY = new Key<>("quota.bodyDeadline");

  private BodyDeadline() {}

  /**
   * Reads up to {@code length} bytes into {@code into} until the body ends, as {@link
   * InputStream#readNBytes(byte[], int, int)} does.
   *
   * @return the bytes read
   * @throws ApiError 408 if the body is not whole by the deadline
   * @throws IOException if the body cannot be read for another reason
   */
  static int read(Context ctx, byte[] into, int length) throws IOException {
    InputStream in = ctx.req().getInputStream();
    long started = System.nanoTime();
    Duration deadline = null;
    EndPoint endPoint = null;
    long idleMs = 0;
    int read = 0;
    try {
      while (read < length) {
        // A body that has arrived is read at once, the timeouts untouched (the usual case: a small
        // body in the headers' packet); only a read that would wait for the client is bounded.
        if (in.available() == 0) {
          if (deadline == null) {
            deadline = deadline(ctx);
            endPoint = endPoint(ctx);
            idleMs = endPoint == null ? 0 : endPoint.getIdleTimeout();
          }
          long leftMs = TimeUnit.NANOSECONDS.toMillis(started + deadline.toNanos() - System.nanoTime());
          if (leftMs <= 0) {
            throw late(deadline);
          }
          if (endPoint != null) {
            endPoint.setIdleTimeout(idleMs > 0 ? Math.min(idleMs, leftMs) : leftMs);
          }
        }
        int n;
        try {
          n = in.read(into, read, length - read);
        } catch (IOException e) {
          if (deadline != null && timedOut(e)) {
            throw late(deadline);
          }
          throw e;
        }
        if (n < 0) {
          break;
        }
        read += n;
      }
      return read;
    } finally {
      if (endPoint != null) {
        endPoint.setIdleTimeout(idleMs);
      }
    }
  }

  private static Duration deadline(Context ctx) {
    try {
      Duration set = ctx.appData(KEY);
      return set != null ? set : DEFAULT;
    } catch (IllegalStateException | IllegalArgumentException notSet) {
      return DEFAULT;
    }
  }

  private static EndPoint endPoint(Context ctx) {
    Request base = Request.getBaseRequest(ctx.req());
    return base == null || base.getHttpChannel() == null ? null : base.getHttpChannel().getEndPoint();
  }

  /** Whether a read failed because the connection's idle timeout, lowered here, expired. */
  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static ApiError late(Duration deadline) {
    long ms = deadline.toMillis();
    String rule = "must arrive whole within " + (ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms");
    return new ApiError(408, "body-timeout", "body: " + rule, "body", rule);
  }
}
