package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Quota;
import dev.quota.Subject;
import dev.quota.admin.AuditText;
import dev.quota.admin.Override;
import dev.quota.jdbc.json.OverrideJson;
import dev.quota.server.auth.Auth;
import dev.quota.server.http.BodyProblems;
import dev.quota.server.http.Fields;
import dev.quota.server.http.JsonBody;
import dev.quota.server.json.Wire;
import io.javalin.http.Context;
import java.util.Set;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.SERVICE;
import static dev.quota.server.auth.Role.VIEWER;

/** One subject's counters: read them against their limits, or reset them. */
public final class SubjectRoutes {
  private final Quota quota;

  public SubjectRoutes(Quota quota) {
    this.quota = quota;
  }

  public void register(RouteTable r) {
    r.get("/v1/usage/{scope}/{id}", this::usage, ADMIN, SERVICE, VIEWER);
    r.post("/v1/subjects/{scope}/{id}/reset", Reasons.QUERY, this::reset, ADMIN);
  }

  private void usage(Context ctx) {
    Subject s = new Subject(ctx.pathParam("scope"), ctx.pathParam("id"));
    Auth.requireRead(ctx, s);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("subject", s.toString());
    o.set("limits", Wire.usage(quota.usage(s)));
    quota.overrideInForce(s).ifPresent(in -> o.set("override", overrideNode(in, Auth.principal(ctx).role() == ADMIN)));
    ctx.json(o);
  }

  /**
   * The override as the overrides API writes it; without its reason and actor for keys that may not
   * list overrides, since those are notes between admins.
   */
  private static ObjectNode overrideNode(Override in, boolean admin) {
    ObjectNode o = OverrideJson.toNode(in);
    if (!admin) {
      o.remove("reason");
      o.remove("actor");
    }
    return o;
  }

  private void reset(Context ctx) {
    Preconditions.requireNone(ctx);
    // The subject and every problem of the body are listed in one refusal.
    BodyProblems problems = new BodyProblems();
    Subject s = problems.read(() -> new Subject(ctx.pathParam("scope"), ctx.pathParam("id")));
    Fields f = JsonBody.read(ctx, Set.of("reason"), true, problems);
    String reason = problems.read(() -> Reasons.of(ctx, f.string("reason", false, AuditText.MAX_REASON_LENGTH)));
    problems.throwIfAny();
    quota.admin().resetSubject(s, Auth.principal(ctx).name(), reason);
    NoContent.answer(ctx);
  }
}
