package dev.quota.server.api;

import dev.quota.admin.AuditText;
import dev.quota.server.http.QueryParameters;
import io.javalin.http.Context;

/** The reason an administrative change gives for the audit trail: {@code ?reason=} or the {@code Quota-Reason} header. */
final class Reasons {
  /** The query parameters of an operation that takes a reason. */
  static final QueryParameters QUERY = QueryParameters.of("reason");

  private Reasons() {}

  static String of(Context ctx) {
    String r = ctx.queryParam("reason");
    if (r == null) {
      r = ctx.header("Quota-Reason");
    }
    AuditText.requireReason("reason", r);
    return r == null ? "" : r;
  }
}
