package dev.quota.server.api;

import dev.quota.server.http.ApiError;
import io.javalin.http.Context;

/** The reason an administrative change gives for the audit trail: {@code ?reason=} or the {@code Quota-Reason} header. */
final class Reasons {
  private Reasons() {}

  static String of(Context ctx) {
    String r = ctx.queryParam("reason");
    if (r == null) {
      r = ctx.header("Quota-Reason");
    }
    if (r != null && r.length() > 1000) {
      throw ApiError.badInput("reason", "must be at most 1000 characters");
    }
    return r == null ? "" : r;
  }
}
