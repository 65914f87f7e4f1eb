package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.plan.CounterKeys;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import dev.quota.server.denials.RecentDenials;
import dev.quota.server.http.Query;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

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
    r.get("/v1/denials", this::list, ADMIN, VIEWER);
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
   * Counter subjects are {@code scope:id} parts joined by commas (ids escaped, so a comma always
   * separates parts); a viewer may see a counter when one of the parts is one of its subjects.
   */
  static Predicate<String> visibleTo(Principal p) {
    if (p.role() != Role.VIEWER) {
      return s -> true;
    }
    Set<String> mine = p.subjects().stream().map(CounterKeys::subjectOf).collect(Collectors.toSet());
    return s -> List.of(s.split(",")).stream().anyMatch(mine::contains);
  }
}
