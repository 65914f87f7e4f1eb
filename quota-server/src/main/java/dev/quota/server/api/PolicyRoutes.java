package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Change;
import dev.quota.ConflictException;
import dev.quota.NotFoundException;
import dev.quota.Policy;
import dev.quota.PolicyMismatchException;
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
 * A policy's representation carries its {@link PolicyTag} (the {@code ETag} header of a GET or a
 * PUT; {@code etag} in the list). A PUT creates or replaces; with {@code If-None-Match: *} it only
 * creates, and with {@code If-Match} it only replaces the version named, as a DELETE with
 * {@code If-Match} only deletes it. A condition not met is answered 412 with nothing changed
 * ({@link Preconditions}); the repository checks it in the same atomic step as its write. A change
 * stored but not yet applied on this server is answered as stored, with {@link AppliedHeader}.
 */
public final class PolicyRoutes {
  private final QuotaAdmin admin;

  public PolicyRoutes(QuotaAdmin admin) {
    this.admin = admin;
  }

  public void register(RouteTable r) {
    r.get("/v1/policies", this::list, ADMIN);
    r.get("/v1/policies/{selector}", this::get, ADMIN);
    r.put("/v1/policies/{selector}", Reasons.QUERY, this::put, ADMIN);
    r.delete("/v1/policies/{selector}", Reasons.QUERY, this::delete, ADMIN);
  }

  /** A policy with its selector, as returned. */
  public static ObjectNode toNode(Policy p) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("selector", p.selector().toString());
    o.setAll(PolicyJson.toNode(p));
    return o;
  }

  /** Each listed policy carries its tag, so a client can delete or replace it conditionally without reading it again. */
  private void list(Context ctx) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    admin.policies().forEach(p -> a.add(toNode(p).put("etag", PolicyTag.of(p))));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("policies", a);
    ctx.json(o);
  }

  private void get(Context ctx) {
    // As stored: a policy bound before whitespace at an identifier's ends was refused can be read, and deleted.
    Selector s = Selector.parseStored(ctx.pathParam("selector"));
    Policy p = admin.policy(s).orElseThrow(() -> new NotFoundException("no policy for " + s));
    ctx.header(PolicyTag.HEADER, PolicyTag.of(p)).json(toNode(p));
  }

  private void put(Context ctx) {
    Selector s = Selector.parse(ctx.pathParam("selector"));
    boolean createOnly = Preconditions.createOnly(ctx);
    Optional<IfMatch> ifMatch = Preconditions.ifMatch(ctx);
    // The policy's reader refuses unknown fields itself, listed beside the policy's other problems.
    Policy p = PolicyJson.read(JsonBody.object(ctx), s, "");
    String actor = Auth.principal(ctx).name();
    String reason = Reasons.of(ctx);
    if (createOnly) {
      create(ctx, p, actor, reason);
      return;
    }
    if (ifMatch.isPresent()) {
      replace(ctx, p, ifMatch.get(), actor, reason);
      return;
    }
    // Created or replaced, as the repository found it in the step that wrote: another server may have
    // written the selector a moment ago.
    Change<Optional<Policy>> put = admin.putPolicy(p, actor, reason);
    written(ctx, put.result().isPresent() ? 200 : 201, p, put);
  }

  /** The check that the selector is free is the repository's, in the same step as the write. */
  private void create(Context ctx, Policy p, String actor, String reason) {
    Change<Void> created;
    try {
      created = admin.createPolicy(p, actor, reason);
    } catch (ConflictException taken) {
      Preconditions.taken(ctx, p.selector());
      return;
    }
    written(ctx, 201, p, created);
  }

  /** The tag is compared with the policy the repository replaces, in the same step as the write. */
  private void replace(Context ctx, Policy p, IfMatch ifMatch, String actor, String reason) {
    Change<Policy> replaced;
    try {
      replaced = admin.replacePolicy(p, current -> ifMatch.matches(PolicyTag.of(current)), actor, reason);
    } catch (PolicyMismatchException mismatch) {
      Preconditions.mismatched(ctx, mismatch);
      return;
    }
    written(ctx, 200, p, replaced);
  }

  private static void written(Context ctx, int status, Policy p, Change<?> change) {
    AppliedHeader.note(ctx, change);
    ctx.status(status).header(PolicyTag.HEADER, PolicyTag.of(p)).json(toNode(p));
  }

  private void delete(Context ctx) {
    Selector s = Selector.parseStored(ctx.pathParam("selector"));
    Optional<IfMatch> ifMatch = Preconditions.forDelete(ctx);
    String actor = Auth.principal(ctx).name();
    String reason = Reasons.of(ctx);
    Change<?> deleted;
    try {
      deleted = ifMatch.isPresent()
          ? admin.deletePolicy(s, current -> ifMatch.get().matches(PolicyTag.of(current)), actor, reason)
          : admin.deletePolicy(s, actor, reason);
    } catch (PolicyMismatchException mismatch) {
      Preconditions.mismatched(ctx, mismatch);
      return;
    }
    AppliedHeader.note(ctx, deleted);
    NoContent.answer(ctx);
  }
}
