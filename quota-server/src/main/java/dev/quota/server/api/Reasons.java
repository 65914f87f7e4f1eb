package dev.quota.server.api;

import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.server.http.QueryParameters;
import io.javalin.http.Context;

/**
 * The reason an administrative change gives for the audit trail: in its body where it has one, as
 * {@code ?reason=} or in the {@code Quota-Reason} header. A reason is optional; one given follows
 * {@link AuditText#requireReason} wherever it is given (a blank one is refused, naming where it was
 * given), and it is given in one place only.
 */
final class Reasons {
  /** The query parameters of an operation that takes a reason. */
  static final QueryParameters QUERY = QueryParameters.of("reason");
  static final String HEADER = "Quota-Reason";

  private Reasons() {}

  /** The reason given in the query or the header; null when none is. */
  static String of(Context ctx) {
    return of(ctx, null);
  }

  /** The reason given in the body ({@code inBody}, null if it gives none), the query or the header; null when none is. */
  static String of(Context ctx, String inBody) {
    String inQuery = ctx.queryParam("reason");
    String inHeader = ctx.header(HEADER);
    int given = (inBody != null ? 1 : 0) + (inQuery != null ? 1 : 0) + (inHeader != null ? 1 : 0);
    ValidationException.require(given <= 1, "reason", "give it once: in the body, as ?reason= or in the " + HEADER + " header");
    if (inHeader != null) {
      AuditText.requireReason(HEADER, inHeader);
      return inHeader;
    }
    String reason = inBody != null ? inBody : inQuery;
    AuditText.requireReason("reason", reason);
    return reason;
  }
}
