package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Subject;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import dev.quota.server.denials.RecentDenials;
import dev.quota.server.http.Query;
import dev.quota.server.http.QueryParameters;
import io.javalin.http.Context;
import java.util.List;
import java.util.function.Predicate;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.VIEWER;

/**
 * {@code GET /v1/denials?from=&limit=}: reservations this process refused recently, folded per
 * minute and limit. A viewer sees only denials of counters that involve one of its subjects.
 */
public final class DenialRoutes {
  private final RecentDenials denials;

  public DenialRoutes(RecentDenials denials) {
    this.denials = denials;
  }

  public void register(RouteTable r) {
    r.get("/v1/denials", QueryParameters.of("from", "limit"), this::list, ADMIN, VIEWER);
  }

  private void list(Context ctx) {
    int limit = Query.integer(ctx, "limit", 100, 1, 1000);
    RecentDenials.Page page = denials.query(Query.instant(ctx, "from"), visibleTo(Auth.principal(ctx)), limit);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode a = o.putArray("denials");
    for (RecentDenials.Denial d : page.denials()) {
      ObjectNode n = a.addObject();
      n.put("at", d.at().toString());
      n.put("subject", d.subject());
      n.put("policy", d.policy());
      n.put("kind", d.kind());
      if (d.meter() != null) {
        n.put("meter", d.meter());
      }
      n.put("count", d.count());
    }
    o.put("total", page.total());
    ctx.json(o);
  }

  /**
   * A viewer may see a denial when one of the counter's subjects (scope and id) is one of its own:
   * the same test as for reading a subject's usage, so an id that contains commas or colons can
   * neither pass for another subject nor hide the viewer's own.
   */
  static Predicate<List<Subject>> visibleTo(Principal p) {
    if (p.role() != Role.VIEWER) {
      return s -> true;
    }
    return subjects -> subjects.stream().anyMatch(p::mayRead);
  }
}
