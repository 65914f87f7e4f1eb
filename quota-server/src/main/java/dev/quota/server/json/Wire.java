package dev.quota.server.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Algorithm;
import dev.quota.BudgetPeriod;
import dev.quota.Decision;
import dev.quota.LimitKind;
import dev.quota.LimitStatus;
import dev.quota.Mode;
import dev.quota.Reservation;
import dev.quota.Settled;
import dev.quota.admin.AuditEntry;
import dev.quota.jdbc.json.PolicyJson;
import java.time.Instant;
import java.util.List;

/**
 * Responses in the API wire format. Counts are JSON numbers; money is always a decimal string
 * ({@code "0.05"}) so no client ever parses an amount as a binary float.
 */
public final class Wire {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Wire() {}

  public static ObjectNode decision(Decision d) {
    ObjectNode o = F.objectNode();
    o.put("admitted", d.admitted());
    if (d.reservationId() != null) {
      o.put("reservationId", d.reservationId());
      o.put("expiresAt", d.expiresAt().toString());
    }
    if (d.retryAt() != null) {
      o.put("retryAt", d.retryAt().toString());
    }
    if (d.failOpen()) {
      o.put("failOpen", true);
    }
    if (d.replayed()) {
      o.put("replayed", true);
    }
    o.set("limits", limits(d.limits()));
    LimitStatus binding = d.binding();
    if (binding != null) {
      o.set("binding", limit(binding));
    }
    if (!d.admitted()) {
      o.set("denying", limits(d.denying()));
    }
    return o;
  }

  public static ArrayNode limits(List<LimitStatus> limits) {
    ArrayNode a = F.arrayNode();
    limits.forEach(l -> a.add(limit(l)));
    return a;
  }

  /**
   * A subject's limits as its usage lists them: as {@link #limits}, but a per-request cap has its
   * cap and no {@code used} or {@code remaining}. It bounds each call on its own and keeps no count,
   * so a reading that is no request would report a use of 0 and the whole cap left, every time. A
   * daily or monthly budget also names its period and calendar ({@link #putPeriod}).
   */
  public static ArrayNode usage(List<LimitStatus> limits) {
    ArrayNode a = F.arrayNode();
    for (LimitStatus l : limits) {
      ObjectNode o = limit(l);
      if (l.kind() == LimitKind.BUDGET_PER_REQUEST) {
        o.remove(List.of("used", "remaining"));
      }
      if (l.period() != null) {
        putPeriod(o, l);
      }
      a.add(o);
    }
    return a;
  }

  /**
   * When the budget's period began ({@code resetAt} says when it ends) and the calendar it runs
   * on, as its policy names it: a key that may read the subject but not its policies still learns
   * that its day starts at 06:00 in Berlin, not at midnight UTC. Decisions leave it out: a caller
   * deciding needs only when the counter falls, and they are written on every call.
   */
  private static void putPeriod(ObjectNode o, LimitStatus l) {
    BudgetPeriod p = l.period();
    putInstant(o, "periodStart", p.start());
    o.put("timezone", PolicyJson.zoneText(p.zone()));
    o.put("resetTime", PolicyJson.resetTimeText(p.resetTime()));
    // A day starts at the reset time whatever the reset day, which moves only months.
    if (l.kind() == LimitKind.BUDGET_MONTHLY) {
      o.put("resetDay", p.resetDay());
    }
  }

  public static ObjectNode limit(LimitStatus l) {
    ObjectNode o = F.objectNode();
    o.put("policy", l.selector().toString());
    o.put("subject", l.subject());
    o.put("kind", l.kind().wireName());
    if (l.meter() != null) {
      o.put("meter", l.meter());
    }
    if (l.window() != null) {
      o.put("window", WindowText.of(l.window()));
    }
    // As a policy writes its rate limits: the default, a sliding window, goes unsaid. It tells a token
    // bucket from a sliding window on the same meter and window.
    if (l.algorithm() == Algorithm.TOKEN_BUCKET) {
      o.put("algorithm", l.algorithm().wireName());
    }
    if (l.kind().isMoney()) {
      o.put("currency", l.currency());
      o.put("limit", WireText.money(l.limit()));
      // Exact even past one amount's maximum: recorded usage is charged beyond the limit.
      o.put("used", WireText.money(l.used()));
      o.put("remaining", WireText.money(l.remaining()));
    } else {
      o.put("limit", l.limit());
      o.put("used", l.used());
      o.put("remaining", l.remaining());
    }
    putInstant(o, "resetAt", l.resetAt());
    // A limit in shadow mode never makes a caller wait, so it has no time to retry at.
    if (l.mode() == Mode.ENFORCE) {
      putInstant(o, "retryAt", l.retryAt());
    }
    o.put("allowed", l.allowed());
    o.put("mode", l.mode().wireName());
    // Only when true: a limit of a policy reads as it always did.
    if (l.fromOverride()) {
      o.put("fromOverride", true);
    }
    return o;
  }

  public static ObjectNode settled(Settled s) {
    ObjectNode o = F.objectNode();
    o.put("reservationId", s.reservationId());
    o.put("status", s.committed() ? "committed" : "released");
    o.put("charged", s.charged().toPlainString());
    o.put("held", s.held().toPlainString());
    o.put("overrun", s.overrun().toPlainString());
    o.put("repeated", s.repeated());
    return o;
  }

  /** A held reservation; meters are absent for one made by a version that did not file them. */
  public static ObjectNode reservation(Reservation r) {
    ObjectNode o = F.objectNode();
    o.put("reservationId", r.reservationId());
    ObjectNode subjects = o.putObject("subjects");
    r.subjects().forEach(subjects::put);
    o.put("estimatedCost", r.estimatedCost().toPlainString());
    if (!r.meters().isEmpty()) {
      ObjectNode meters = o.putObject("meters");
      r.meters().forEach(meters::put);
    }
    if (r.idempotencyKey() != null) {
      o.put("idempotencyKey", r.idempotencyKey());
    }
    o.put("expiresAt", WireText.instant(r.expiresAt()));
    return o;
  }

  public static ObjectNode audit(AuditEntry e) {
    ObjectNode o = F.objectNode();
    o.put("id", e.id());
    o.put("at", e.at().toString());
    o.put("actor", e.actor());
    o.put("action", e.action());
    o.put("target", e.target());
    o.put("before", e.before());
    o.put("after", e.after());
    o.put("reason", e.reason());
    return o;
  }

  private static void putInstant(ObjectNode o, String name, Instant at) {
    if (at != null) {
      o.put(name, at.toString());
    }
  }
}
