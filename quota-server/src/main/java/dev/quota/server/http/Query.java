package dev.quota.server.http;

import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Typed query parameters whose errors name the parameter. */
public final class Query {
  private Query() {}

  public static String string(Context ctx, String name, int maxLength) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.codePointCount(0, v.length()) > maxLength) {
      throw ApiError.badInput(name, "must be at most " + maxLength + " characters");
    }
    return v;
  }

  public static int integer(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the rule
    }
    throw ApiError.badInput(name, "must be a whole number between " + min + " and " + max);
  }

  public static Instant instant(Context ctx, String name) {
    String v = string(ctx, name, 64);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return java.time.LocalDate.parse(v).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e2) {
        throw ApiError.badInput(name, "must be an ISO-8601 instant (2030-01-01T00:00:00Z) or date (2030-01-01)");
      }
    }
  }

  /** {@code true} or {@code false}; absent gives {@code dflt}. */
  public static boolean bool(Context ctx, String name, boolean dflt) {
    String v = ctx.queryParam(name);
    if (v == null || v.isEmpty()) {
      return dflt;
    }
    if (v.equals("true") || v.equals("false")) {
      return v.equals("true");
    }
    throw ApiError.badInput(name, "must be true or false");
  }

  /** A value from a fixed set. */
  public static String oneOf(Context ctx, String name, String dflt, java.util.List<String> allowed) {
    String v = string(ctx, name, 32);
    if (v == null) {
      return dflt;
    }
    if (!allowed.contains(v)) {
      throw ApiError.badInput(name, "must be one of " + String.join(", ", allowed));
    }
    return v;
  }
}
