package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Subject;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Principal;
import io.javalin.http.Context;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.SERVICE;
import static dev.quota.server.auth.Role.VIEWER;

/**
 * {@code GET /v1/whoami}: the caller's key name, role and (for viewers) bound subjects, so a client
 * such as the console can show only what the key may use.
 */
public final class WhoAmIRoutes {
  public void register(RouteTable r) {
    r.get("/v1/whoami", WhoAmIRoutes::whoami, ADMIN, SERVICE, VIEWER);
  }

  private static void whoami(Context ctx) {
    Principal p = Auth.principal(ctx);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", p.name());
    o.put("role", p.role().wireName());
    ArrayNode subjects = o.putArray("subjects");
    p.subjects().stream().sorted().map(Subject::toString).forEach(subjects::add);
    ctx.json(o);
  }
}
