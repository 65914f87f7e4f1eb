package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.ConflictException;
import dev.quota.NotFoundException;
import dev.quota.Policy;
import dev.quota.QuotaAdmin;
import dev.quota.Selector;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.server.auth.Auth;
import dev.quota.server.http.JsonBody;
import io.javalin.http.Context;
import java.util.Optional;

import static dev.quota.server.auth.Role.ADMIN;

/**
 * Policies, addressed by selector: {@code user:alice}, {@code user:*}, {@code user:*,tool:image_gen}.
 * A PUT creates or replaces; with {@code If-None-Match: *} it only creates, and a selector that
 * already has a policy is answered 412 with nothing changed ({@link Preconditions}).
 */
public final class PolicyRoutes {
  private final QuotaAdmin admin;
  private final Object configLock;

  /** @param configLock held around changes so a periodic reload cannot install a stale policy set over them */
  public PolicyRoutes(QuotaAdmin admin, Object configLock) {
    this.admin = admin;
    this.configLock = configLock;
  }

  public void register(RouteTable r) {
    r.get("/v1/policies", this::list, ADMIN);
    r.get("/v1/policies/{selector}", this::get, ADMIN);
    r.put("/v1/policies/{selector}", Reasons.QUERY, this::put, ADMIN);
    r.delete("/v1/policies/{selector}", Reasons.QUERY, this::delete, ADMIN);
  }

  /** A policy with its selector, as listed and returned. */
  public static ObjectNode toNode(Policy p) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("selector", p.selector().toString());
    o.setAll(PolicyJson.toNode(p));
    return o;
  }

  private void list(Context ctx) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    admin.policies().forEach(p -> a.add(toNode(p)));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("policies", a);
    ctx.json(o);
  }

  private void get(Context ctx) {
    Selector s = Selector.parse(ctx.pathParam("selector"));
    Policy p = admin.policy(s).orElseThrow(() -> new NotFoundException("no policy for " + s));
    ctx.json(toNode(p));
  }

  private void put(Context ctx) {
    Selector s = Selector.parse(ctx.pathParam("selector"));
    boolean createOnly = Preconditions.createOnly(ctx);
    Policy p = PolicyJson.read(JsonBody.read(ctx, java.util.Set.of(
        "rateLimits", "budget", "concurrency", "alertThresholds", "mode", "failMode"), false).node(), s, "");
    String actor = Auth.principal(ctx).name();
    String reason = Reasons.of(ctx);
    if (createOnly) {
      create(ctx, p, actor, reason);
      return;
    }
    // Created or replaced, as the repository found it in the step that wrote: another server may have
    // written the selector a moment ago.
    Optional<Policy> replaced;
    synchronized (configLock) {
      replaced = admin.putPolicy(p, actor, reason);
    }
    ctx.status(replaced.isPresent() ? 200 : 201).json(toNode(p));
  }

  /** The check that the selector is free is the repository's, in the same step as the write. */
  private void create(Context ctx, Policy p, String actor, String reason) {
    try {
      synchronized (configLock) {
        admin.createPolicy(p, actor, reason);
      }
    } catch (ConflictException taken) {
      Preconditions.taken(ctx, p.selector());
      return;
    }
    ctx.status(201).json(toNode(p));
  }

  private void delete(Context ctx) {
    Selector s = Selector.parse(ctx.pathParam("selector"));
    Preconditions.requireNone(ctx);
    synchronized (configLock) {
      admin.deletePolicy(s, Auth.principal(ctx).name(), Reasons.of(ctx));
    }
    ctx.status(204);
  }
}
