package dev.quota.server.auth;

import dev.quota.Subject;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.RouteMethods;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.Enumeration;
import java.util.Set;

/**
 * Bearer-key authentication and role checks. Every API path needs a key; only {@code /health} and
 * the static management UI (which holds no data and asks the operator for a key) answer without one.
 * A matched route then admits only the roles it was registered with.
 */
public final class Auth {
  private static final String PRINCIPAL = "quota.principal";

  private Auth() {}

  public static void install(Javalin app, KeyRing keys) {
    app.before(ctx -> {
      if (isPublic(ctx.path())) {
        return;
      }
      Enumeration<String> lines = ctx.req().getHeaders("Authorization");
      String header = lines.hasMoreElements() ? lines.nextElement() : null;
      if (lines.hasMoreElements()) {
        // Two keys name two principals: acting as the first would drop the second unseen.
        throw ApiError.badInput("Authorization", "must be given once, with one key");
      }
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
        ctx.header("WWW-Authenticate", "Bearer");
        throw new ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>", null, null);
      }
      Principal p = keys.authenticate(header.substring(7).trim()).orElse(null);
      if (p == null) {
        ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        throw new ApiError(401, "unauthorized", "the API key is not valid", null, null);
      }
      ctx.attribute(PRINCIPAL, p);
    });
    app.beforeMatched(ctx -> {
      Set<RouteRole> roles = ctx.routeRoles();
      if (roles.isEmpty()) {
        return;
      }
      Principal p = principal(ctx);
      if (p == null || !roles.contains(p.role())) {
        throw ApiError.forbidden("role " + (p == null ? "none" : p.role().wireName()) + " may not use " + ctx.method() + " " + ctx.endpointHandlerPath());
      }
    });
  }

  /**
   * Paths outside the API: liveness/readiness and the static UI. Decided on the path as the router
   * matches it, so that {@code /metrics/}, which reaches the {@code /metrics} route, needs a key as
   * that route does.
   */
  public static boolean isPublic(String requestPath) {
    String path = RouteMethods.routed(requestPath);
    if (path.equals("/health") || path.startsWith("/health/")) {
      return true;
    }
    return !(path.startsWith("/v1/") || path.equals("/v1") || path.equals("/metrics") || path.equals("/openapi.json"));
  }

  public static Principal principal(Context ctx) {
    return ctx.attribute(PRINCIPAL);
  }

  /** Refuses a read of {@code subject} by a viewer not bound to it. */
  public static void requireRead(Context ctx, Subject subject) {
    Principal p = principal(ctx);
    if (p == null || !p.mayRead(subject)) {
      throw ApiError.forbidden("this key may not read " + subject);
    }
  }
}
