package dev.quota.server.http;

import io.javalin.Javalin;

/**
 * Refuses a query string that is not percent-encoded UTF-8, on every path (the console's too). The
 * servlet layer drops a parameter it cannot decode, so {@code ?id=%ZZ} would read as no id at all
 * and a report filtered by it would quietly cover everyone; the same escapes in a path parameter
 * are refused by {@link PathParameters}.
 */
public final class QueryEncoding {
  static final String RULE = PercentDecoding.RULE;

  private QueryEncoding() {}

  public static void install(Javalin app) {
    app.before(ctx -> requireWellFormed(ctx.queryString()));
  }

  /** Throws a 400 naming the first parameter (or {@code query}) that does not decode. */
  static void requireWellFormed(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return; // decisions carry no query: nothing to do on the hot path
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = PercentDecoding.decodedOrNull(eq < 0 ? pair : pair.substring(0, eq), true);
      if (name == null || (eq >= 0 && PercentDecoding.decodedOrNull(pair.substring(eq + 1), true) == null)) {
        throw ApiError.badInput(name == null || name.isEmpty() ? "query" : name, RULE);
      }
    }
  }
}
