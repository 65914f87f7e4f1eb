package dev.quota.server.api;

import dev.quota.server.auth.Role;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.JsonBody;
import dev.quota.server.http.PathParameters;
import dev.quota.server.http.QueryParameters;
import dev.quota.server.http.RouteMethods;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Registers API routes and remembers them, so the OpenAPI document can be checked against exactly
 * what the server answers, and so a request with a method its path has no route for is answered
 * 405 (see {@link RouteMethods}).
 *
 * <p>Each route declares the query parameters it takes (none unless given); before its handler
 * runs, a request is refused by name if it gives another, gives one twice or gives one without a
 * value ({@link QueryParameters}), or if a path parameter is not percent-encoded UTF-8
 * ({@link PathParameters}). Handlers therefore read each parameter they declared as one
 * unambiguous value.
 */
public final class RouteTable {
  /** One registered API operation and the query parameters it takes. */
  public record Route(String method, String path, List<Role> roles, Set<String> query) {}

  private final Javalin app;
  private final RouteMethods methods;
  private final List<Route> routes = new ArrayList<>();

  public RouteTable(Javalin app, RouteMethods methods) {
    this.app = app;
    this.methods = methods;
  }

  public void get(String path, Handler h, Role... roles) {
    get(path, QueryParameters.NONE, h, roles);
  }

  /**
   * A GET, and a HEAD answered by the same handler with the same roles. Without its own HEAD route
   * Javalin answers HEAD 200 for any path some GET matches (the UI's catch-all matches every path)
   * without running a handler or checking a role; Jetty drops the body of a HEAD response.
   */
  public void get(String path, QueryParameters query, Handler h, Role... roles) {
    Handler checked = checked(path, query, h);
    app.get(path, checked, roles);
    app.head(path, checked, roles);
    add("GET", path, query, roles);
  }

  public void post(String path, Handler h, Role... roles) {
    post(path, QueryParameters.NONE, h, roles);
  }

  public void post(String path, QueryParameters query, Handler h, Role... roles) {
    app.post(path, checked(path, query, h), roles);
    add("POST", path, query, roles);
  }

  public void put(String path, QueryParameters query, Handler h, Role... roles) {
    app.put(path, checked(path, query, h), roles);
    add("PUT", path, query, roles);
  }

  public void delete(String path, QueryParameters query, Handler h, Role... roles) {
    app.delete(path, checked(path, query, withoutBody(h)), roles);
    add("DELETE", path, query, roles);
  }

  /**
   * A DELETE's body is refused, not ignored: a reason written there, as other changes take one,
   * would be dropped from the audit trail unseen.
   */
  private static Handler withoutBody(Handler h) {
    return ctx -> {
      // Whatever the body is declared as, the refusal is that there is one.
      if (JsonBody.rawBytes(ctx).length > 0) {
        throw ApiError.badInput("body", "must be empty: a DELETE takes its reason as ?reason= or in the " + Reasons.HEADER + " header");
      }
      h.handle(ctx);
    };
  }

  /**
   * A GET outside the API (health): answered without a key and not listed among {@link #routes()};
   * it takes no query parameters.
   */
  public void publicGet(String path, Handler h) {
    Handler checked = checked(path, QueryParameters.NONE, h);
    app.get(path, checked);
    app.head(path, checked);
    methods.add("GET", path);
  }

  public List<Route> routes() {
    return List.copyOf(routes);
  }

  private static Handler checked(String path, QueryParameters query, Handler h) {
    PathParameters pathParameters = PathParameters.of(path);
    return ctx -> {
      pathParameters.requireWellFormed(ctx.req().getRequestURI());
      query.requireValid(ctx.queryString());
      h.handle(ctx);
    };
  }

  private void add(String method, String path, QueryParameters query, Role... roles) {
    routes.add(new Route(method, path, List.of(roles), query.names()));
    methods.add(method, path);
  }
}
