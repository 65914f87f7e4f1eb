package dev.quota.server.http;

/**
 * An error the API reports as an RFC 9457 problem: an HTTP status, a short type slug and a detail
 * naming what was wrong. {@code field} and {@code rule} are set for bad input. No stack trace is
 * captured: these are expected outcomes, not bugs.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String type;
  private final String field;
  private final String rule;

  public ApiError(int status, String type, String detail, String field, String rule) {
    super(detail, null, false, false);
    this.status = status;
    this.type = type;
    this.field = field;
    this.rule = rule;
  }

  public static ApiError badInput(String field, String rule) {
    return new ApiError(400, "invalid-request", field + ": " + rule, field, rule);
  }

  public static ApiError forbidden(String detail) {
    return new ApiError(403, "forbidden", detail, null, null);
  }

  public static ApiError notFound(String detail) {
    return new ApiError(404, "not-found", detail, null, null);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String field() {
    return field;
  }

  public String rule() {
    return rule;
  }
}
