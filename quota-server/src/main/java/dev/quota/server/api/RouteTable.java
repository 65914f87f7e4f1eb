package dev.quota.server.api;

import dev.quota.server.auth.Role;
import dev.quota.server.http.RouteMethods;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers API routes and remembers them, so the OpenAPI document can be checked against exactly
 * what the server answers, and so a request with a method its path has no route for is answered
 * 405 (see {@link RouteMethods}).
 */
public final class RouteTable {
  /** One registered API operation. */
  public record Route(String method, String path, List<Role> roles) {}

  private final Javalin app;
  private final RouteMethods methods;
  private final List<Route> routes = new ArrayList<>();

  public RouteTable(Javalin app, RouteMethods methods) {
    this.app = app;
    this.methods = methods;
  }

  /**
   * A GET, and a HEAD answered by the same handler with the same roles. Without its own HEAD route
   * Javalin answers HEAD 200 for any path some GET matches (the UI's catch-all matches every path)
   * without running a handler or checking a role; Jetty drops the body of a HEAD response.
   */
  public void get(String path, Handler h, Role... roles) {
    app.get(path, h, roles);
    app.head(path, h, roles);
    add("GET", path, roles);
  }

  public void post(String path, Handler h, Role... roles) {
    app.post(path, h, roles);
    add("POST", path, roles);
  }

  public void put(String path, Handler h, Role... roles) {
    app.put(path, h, roles);
    add("PUT", path, roles);
  }

  public void delete(String path, Handler h, Role... roles) {
    app.delete(path, h, roles);
    add("DELETE", path, roles);
  }

  /** A GET outside the API (health): answered without a key and not listed among {@link #routes()}. */
  public void publicGet(String path, Handler h) {
    app.get(path, h);
    app.head(path, h);
    methods.add("GET", path);
  }

  public List<Route> routes() {
    return List.copyOf(routes);
  }

  private void add(String method, String path, Role... roles) {
    routes.add(new Route(method, path, List.of(roles)));
    methods.add(method, path);
  }
}
