package dev.quota.server.api;

import dev.quota.Algorithm;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Mode;
import dev.quota.server.json.WindowText;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of the IETF httpapi rate-limit headers
 * draft, as structured-field lists with one item per enforced count limit (quota {@code q}, window
 * {@code w}, remaining {@code r}, seconds to reset {@code t}), and {@code Retry-After} on denials.
 * Budgets are money, which the draft's units cannot express; they are named in the body instead.
 */
final class RateLimitHeaders {
  private RateLimitHeaders() {}

  static void apply(Context ctx, Decision d, Instant now) {
    StringBuilder policy = new StringBuilder();
    StringBuilder state = new StringBuilder();
    for (LimitStatus l : d.limits()) {
      if (l.mode() != Mode.ENFORCE || l.kind().isMoney()) {
        continue;
      }
      String name = name(l);
      if (policy.length() > 0) {
        policy.append(", ");
        state.append(", ");
      }
      policy.append(name).append(";q=").append(l.limit());
      if (l.kind() == LimitKind.RATE && l.window() != null) {
        policy.append(";w=").append(Math.max(1, l.window().toSeconds()));
      } else if (l.kind() == LimitKind.CONCURRENCY) {
        policy.append(";qu=\"concurrent-requests\"");
      }
      state.append(name).append(";r=").append(l.remaining());
      if (l.resetAt() != null) {
        state.append(";t=").append(secondsUntil(now, l.resetAt()));
      }
    }
    if (policy.length() > 0) {
      ctx.header("RateLimit-Policy", policy.toString());
      ctx.header("RateLimit", state.toString());
    }
    if (!d.admitted() && d.retryAt() != null) {
      ctx.header("Retry-After", Long.toString(Math.max(1, secondsUntil(now, d.retryAt()))));
    }
  }

  /**
   * A structured-field string naming the limit, ASCII only, e.g. {@code "user:alice/requests/PT1M"};
   * a token bucket's name ends in {@code /token_bucket}, since a policy may also count the same meter
   * over the same window in a sliding window, and each item must name one limit.
   */
  private static String name(LimitStatus l) {
    String raw = l.selector() + "/" + (l.kind() == LimitKind.CONCURRENCY ? "concurrency" : l.meter() + "/" + WindowText.of(l.window()))
        + (l.algorithm() == Algorithm.TOKEN_BUCKET ? "/" + Algorithm.TOKEN_BUCKET.wireName() : "");
    StringBuilder sb = new StringBuilder(raw.length() + 2).append('"');
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append('?');
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  static long secondsUntil(Instant now, Instant at) {
    long ms = Duration.between(now, at).toMillis();
    return ms <= 0 ? 0 : (ms + 999) / 1000;
  }
}
