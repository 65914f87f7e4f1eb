package dev.quota.server.api;

import dev.quota.server.auth.Role;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers API routes and remembers them, so the OpenAPI document can be checked against exactly
 * what the server answers.
 */
public final class RouteTable {
  /** One registered API operation. */
  public record Route(String method, String path, List<Role> roles) {}

  private final Javalin app;
  private final List<Route> routes = new ArrayList<>();

  public RouteTable(Javalin app) {
    this.app = app;
  }

  public void get(String path, Handler h, Role... roles) {
    app.get(path, h, roles);
    routes.add(new Route("GET", path, List.of(roles)));
  }

  public void post(String path, Handler h, Role... roles) {
    app.post(path, h, roles);
    routes.add(new Route("POST", path, List.of(roles)));
  }

  public void put(String path, Handler h, Role... roles) {
    app.put(path, h, roles);
    routes.add(new Route("PUT", path, List.of(roles)));
  }

  public void delete(String path, Handler h, Role... roles) {
    app.delete(path, h, roles);
    routes.add(new Route("DELETE", path, List.of(roles)));
  }

  public List<Route> routes() {
    return List.copyOf(routes);
  }
}
