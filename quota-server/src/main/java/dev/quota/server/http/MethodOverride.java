package dev.quota.server.http;

import io.javalin.Javalin;

/**
 * Refuses a request that carries {@code X-HTTP-Method-Override}, on every path. The framework
 * routes such a request by the header instead of its own method, so a GET (which proxies, caches
 * and access rules take as a read) with {@code X-HTTP-Method-Override: DELETE} deleted a policy.
 * Every client of this API can send each method itself, so the header is refused by name, not
 * honoured and not ignored.
 */
public final class MethodOverride {
  static final String HEADER = "X-HTTP-Method-Override";
  static final String RULE = "is not supported: send the request with the method it means";

  private MethodOverride() {}

  public static void install(Javalin app) {
    app.before(ctx -> {
      if (ctx.req().getHeader(HEADER) != null) {
        throw ApiError.badInput(HEADER, RULE);
      }
    });
  }
}
