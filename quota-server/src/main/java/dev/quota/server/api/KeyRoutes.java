package dev.quota.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.NotFoundException;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.internal.Printable;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.KeyRing;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import dev.quota.server.http.BodyProblems;
import dev.quota.server.http.Fields;
import dev.quota.server.http.JsonBody;
import io.javalin.http.Context;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.quota.server.auth.Role.ADMIN;

/**
 * API keys: issue (the key is shown once), list (never the keys) and revoke, each with an optional
 * reason for the audit trail as every administrative change takes one ({@link Reasons}). A name
 * identifies one active key (409 when taken, the administrator key's included), so what the list
 * shows is what a revocation by name acts on.
 */
public final class KeyRoutes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private final KeyRing keys;

  public KeyRoutes(KeyRing keys) {
    this.keys = keys;
  }

  public void register(RouteTable r) {
    r.post("/v1/keys", this::issue, ADMIN);
    r.get("/v1/keys", this::list, ADMIN);
    r.delete("/v1/keys/{name}", Reasons.QUERY, this::revoke, ADMIN);
  }

  /** Every problem of the request is listed in one refusal, as a policy's are, so a client fixes them in one pass. */
  private void issue(Context ctx) {
    Preconditions.requireNone(ctx);
    BodyProblems problems = new BodyProblems();
    Fields f = JsonBody.read(ctx, Set.of("name", "role", "subjects", "reason"), problems);
    String name = problems.read(() -> {
      String n = f.string("name", true, 64);
      ValidationException.require(NAME.matcher(n).matches(), "name", "must be 1-64 letters, digits, '.', '_' or '-'");
      return n;
    });
    Role role = problems.read(() -> Role.fromWire("role", f.string("role", true, 16)));
    Set<Subject> subjects = subjects(f, problems);
    String reason = problems.read(() -> Reasons.of(ctx, f.string("reason", false, AuditText.MAX_REASON_LENGTH)));
    if (role != null && subjects != null) {
      problems.check(() -> {
        ValidationException.require(role != Role.VIEWER || !subjects.isEmpty(), "subjects", "a viewer key must be bound to at least one subject");
        ValidationException.require(role == Role.VIEWER || subjects.isEmpty(), "subjects", "only viewer keys are bound to subjects");
      });
    }
    problems.throwIfAny();
    String key = keys.issue(name, role, subjects, Auth.principal(ctx).name(), reason);
    ObjectNode o = node(new Principal(name, role, subjects));
    o.put("key", key);
    // The one answer that carries the key: no cache along the way may keep a copy.
    ctx.header("Cache-Control", "no-store").status(201).json(o);
  }

  /** The subjects a key is bound to (none if the field is absent), or null with every refused one noted. */
  private static Set<Subject> subjects(Fields f, BodyProblems problems) {
    Set<Subject> subjects = new LinkedHashSet<>();
    JsonNode list = f.node().get("subjects");
    if (list == null || list.isNull()) {
      return subjects;
    }
    problems.check(() ->
        ValidationException.require(list.isArray() && list.size() <= 100, "subjects", "must be an array of at most 100 scope:id strings"));
    if (!list.isArray() || list.size() > 100) {
      return null;
    }
    boolean valid = true;
    for (int i = 0; i < list.size(); i++) {
      String field = "subjects[" + i + "]";
      JsonNode item = list.get(i);
      Subject s = problems.read(() -> {
        ValidationException.require(item.isTextual(), field, "must be a scope:id string");
        return Subject.parse(field, item.textValue());
      });
      valid &= s != null;
      if (s != null) {
        subjects.add(s);
      }
    }
    return valid ? subjects : null;
  }

  private void list(Context ctx) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    keys.list().stream().sorted((x, y) -> x.name().compareTo(y.name())).forEach(p -> a.add(node(p)));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("keys", a);
    ctx.json(o);
  }

  private void revoke(Context ctx) {
    Preconditions.requireNone(ctx);
    String name = ctx.pathParam("name");
    ValidationException.require(Printable.isPrintable(name), "name", "must contain only printable characters");
    if (!keys.revoke(name, Auth.principal(ctx).name(), Reasons.of(ctx))) {
      throw new NotFoundException("no key named " + name);
    }
    NoContent.answer(ctx);
  }

  private static ObjectNode node(Principal p) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", p.name());
    o.put("role", p.role().wireName());
    ArrayNode s = o.putArray("subjects");
    p.subjects().stream().sorted().forEach(x -> s.add(x.toString()));
    return o;
  }
}
