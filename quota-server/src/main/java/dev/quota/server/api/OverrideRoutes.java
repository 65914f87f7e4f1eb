package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Change;
import dev.quota.Policy;
import dev.quota.QuotaAdmin;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.AuditText;
import dev.quota.admin.Override;
import dev.quota.internal.Printable;
import dev.quota.jdbc.json.OverrideJson;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.server.auth.Auth;
import dev.quota.server.http.BodyProblems;
import dev.quota.server.http.Fields;
import dev.quota.server.http.JsonBody;
import dev.quota.server.http.Query;
import dev.quota.server.http.QueryParameters;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static dev.quota.server.auth.Role.ADMIN;

/**
 * Temporary overrides: other limits, or a bypass, for one selector until an expiry. Body:
 * {@code {"selector":"user:alice","limits":{...policy...},"expiresAt":"...","reason":"..."}} or
 * {@code "bypass":true} instead of limits; {@code "duration":"PT1H"} may replace {@code expiresAt}.
 * An override lasts from 1 second to {@link Override#MAX_LIFETIME} (3650 days); the engine checks
 * the expiry and the reason again before anything is saved. A change stored but not yet applied on
 * this server is answered as stored, with {@link AppliedHeader}.
 */
public final class OverrideRoutes {
  private static final Set<String> FIELDS = Set.of("selector", "limits", "bypass", "expiresAt", "duration", "reason");
  /** An override shorter than a second could expire before it is even stored. */
  private static final Duration MIN_DURATION = Duration.ofSeconds(1);
  /** The selector limits are read under when the body's own is refused: any valid one reads them alike. */
  private static final Selector STAND_IN = Selector.of("user", "any");
  private final QuotaAdmin admin;

  public OverrideRoutes(QuotaAdmin admin) {
    this.admin = admin;
  }

  public void register(RouteTable r) {
    r.post("/v1/overrides", this::create, ADMIN);
    r.get("/v1/overrides", QueryParameters.of("includeExpired"), this::list, ADMIN);
    r.delete("/v1/overrides/{id}", Reasons.QUERY, this::revoke, ADMIN);
  }

  /** Every problem of the body is listed in one refusal, as a policy's are, so a client fixes them in one pass. */
  private void create(Context ctx) {
    Preconditions.requireNone(ctx);
    BodyProblems problems = new BodyProblems();
    Fields f = JsonBody.read(ctx, FIELDS, problems);
    Selector selector = problems.read(() -> Selector.parse(f.string("selector", true, Selector.MAX_LENGTH)));
    Policy replacement = replacement(f, selector, problems);
    Ending ending = ending(f, admin.storeTime(), problems);
    // Required here, unlike other changes' reasons: limits that differ from the policy need a why.
    String reason = problems.read(() -> Reasons.required(ctx, f.string("reason", false, AuditText.MAX_REASON_LENGTH)));
    problems.throwIfAny();
    String actor = Auth.principal(ctx).name();
    // A duration runs from the instant the engine creates the override at, read once for both.
    Change<Override> created = ending.lasting() != null
        ? admin.createOverrideLasting(selector, replacement, ending.lasting(), actor, reason)
        : admin.createOverride(selector, replacement, ending.at(), actor, reason);
    AppliedHeader.note(ctx, created);
    ctx.status(201).json(OverrideJson.toNode(created.result()));
  }

  /**
   * The limits that replace the policy, null for a bypass (or when a problem is noted). Each field
   * is read as an Optional, so that one absent is told from one refused: only the fields read
   * without a problem are checked together.
   */
  private static Policy replacement(Fields f, Selector selector, BodyProblems problems) {
    Boolean bypass = problems.read(() -> f.has("bypass") && bool(f, "bypass"));
    Optional<ObjectNode> limits = problems.read(() -> Optional.ofNullable(f.object("limits", false)));
    if (bypass == null || limits == null) {
      return null;
    }
    problems.check(() -> ValidationException.require(bypass != limits.isPresent(), "limits", "give either limits or \"bypass\": true"));
    if (bypass || limits.isEmpty()) {
      return null;
    }
    if (selector == null) {
      // No limits rule depends on the selector: read under a stand-in, so that limits' problems are
      // listed beside the selector's and fixing the selector meets no second 400.
      problems.check(() -> PolicyJson.read(limits.get(), STAND_IN, "limits"));
      return null;
    }
    return problems.read(() -> PolicyJson.read(limits.get(), selector, "limits"));
  }

  /** When an override ends: at an instant, or a duration after its creation. */
  private record Ending(Instant at, Duration lasting) {}

  /**
   * When the override expires, given as expiresAt or as a duration (checked here against {@code now},
   * the store's time by which overrides end, only to list its problems beside the others); null when
   * a problem is noted.
   */
  private static Ending ending(Fields f, Instant now, BodyProblems problems) {
    Optional<Instant> expiresAt = problems.read(() -> Optional.ofNullable(f.instant("expiresAt", false)));
    Optional<Duration> duration = problems.read(() -> Optional.ofNullable(f.duration("duration")));
    if (expiresAt == null || duration == null) {
      return null;
    }
    problems.check(() -> ValidationException.require(expiresAt.isPresent() != duration.isPresent(), "expiresAt", "give either expiresAt or duration"));
    if (expiresAt.isPresent() == duration.isPresent()) {
      return null;
    }
    if (duration.isPresent()) {
      return problems.read(() -> {
        Duration d = duration.get();
        ValidationException.require(
            d.compareTo(MIN_DURATION) >= 0 && d.compareTo(Override.MAX_LIFETIME) <= 0,
            "duration",
            "must be between 1 second and " + Override.MAX_LIFETIME.toDays() + " days (about 10 years)");
        return new Ending(null, d);
      });
    }
    // The engine checks these again before anything is saved; here they are listed beside the others.
    return problems.read(() -> {
      Instant at = expiresAt.get();
      ValidationException.require(at.isAfter(now), "expiresAt", "must be in the future");
      ValidationException.require(!at.isAfter(now.plus(Override.MAX_LIFETIME)), "expiresAt",
          "must be at most " + Override.MAX_LIFETIME.toDays() + " days (about 10 years) from now");
      return new Ending(at, null);
    });
  }

  private static boolean bool(Fields f, String name) {
    if (!f.node().get(name).isBoolean()) {
      throw new ValidationException(f.path(name), "must be true or false");
    }
    return f.node().get(name).booleanValue();
  }

  private void list(Context ctx) {
    // Expired overrides stay in the repository until revoked; by default only those in force are listed,
    // by the store's time, by which every server ends them.
    boolean includeExpired = Query.bool(ctx, "includeExpired", false);
    Instant now = admin.storeTime();
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    admin.overrides().stream().filter(o -> includeExpired || o.isActive(now)).forEach(o -> a.add(OverrideJson.toNode(o)));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("overrides", a);
    ctx.json(o);
  }

  private void revoke(Context ctx) {
    Preconditions.requireNone(ctx);
    String id = ctx.pathParam("id");
    ValidationException.require(id.length() <= 64, "id", "must be at most 64 characters");
    ValidationException.require(Printable.isPrintable(id), "id", "must contain only printable characters");
    Change<Void> revoked = admin.revokeOverride(id, Auth.principal(ctx).name(), Reasons.of(ctx));
    AppliedHeader.note(ctx, revoked);
    NoContent.answer(ctx);
  }
}
