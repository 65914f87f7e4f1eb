package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.NotFoundException;
import dev.quota.QuotaAdmin;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.admin.AuditAction;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.AuditText;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertPosition;
import dev.quota.internal.Printable;
import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.Delivery;
import dev.quota.jdbc.JdbcAlertHistory.DeliveryState;
import dev.quota.jdbc.JdbcAlertHistory.WebhookDelivery;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.http.Query;
import dev.quota.server.http.QueryParameters;
import dev.quota.server.json.Wire;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.quota.server.auth.Role.ADMIN;

/**
 * Fired alerts and the audit trail: newest first, filtered, paginated by limit and either a cursor
 * (each full page's {@code nextCursor}, see {@link HistoryCursor}) or, as before cursors, an offset.
 * Rows stored between pages shift every offset, so paging by offset repeats or skips rows; a
 * cursor does not.
 */
public final class HistoryRoutes {
  private static final int MAX_TARGET_FILTER = 1000;
  /** The width of an alert's id. */
  private static final int MAX_ALERT_ID_LENGTH = 128;
  /** The deepest page a client may ask for: each deeper one makes the database skip more rows. */
  private static final int MAX_OFFSET = 1_000_000;
  private final QuotaAdmin admin;
  private final JdbcAlertHistory deliveries;

  public HistoryRoutes(QuotaAdmin admin, JdbcAlertHistory deliveries) {
    this.admin = admin;
    this.deliveries = deliveries;
  }

  public void register(RouteTable r) {
    r.get("/v1/alerts", QueryParameters.of("subject", "policy", "from", "to", "cursor", "offset", "limit"), this::alerts, ADMIN);
    r.get("/v1/alerts/{id}", this::alert, ADMIN);
    r.get("/v1/audit", QueryParameters.of("actor", "action", "target", "from", "to", "cursor", "offset", "limit"), this::audit,
        ADMIN);
  }

  private void alerts(Context ctx) {
    AlertPosition after = HistoryCursor.alertPosition(ctx);
    int offset = Query.integer(ctx, "offset", 0, 0, MAX_OFFSET);
    int limit = Query.integer(ctx, "limit", 50, 1, 500);
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    // An alert's subject is a subject or a pair of them, written as a selector is.
    Instant from = Query.instant(ctx, "from");
    Instant to = Query.instant(ctx, "to");
    requireRange(from, to);
    Selector subject = selectorFilter(ctx, "subject");
    // An alert names the subject or the pair whose counter crossed a threshold, never user:*.
    ValidationException.require(subject == null || subject.parts().stream().noneMatch(Selector.Part::isWildcard), "subject",
        "must name subjects, not the wildcard *: an alert names the subject or pair whose budget it is"
            + " (user:alice, user:alice,tool:web_search); filter by policy for the alerts of a policy such as user:*");
    Selector policy = selectorFilter(ctx, "policy");
    List<Alert> alerts = after == null
        ? admin.alerts(text(subject), text(policy), from, to, offset, limit)
        : admin.alertsAfter(text(subject), text(policy), from, to, after, limit);
    Map<String, Delivery> delivery = deliveries.deliveries(alerts.stream().map(Alert::id).toList());
    alerts.forEach(al -> a.add(withDelivery(AlertJson.toNode(al), delivery.get(al.id()))));
    String next = alerts.size() == limit ? HistoryCursor.after(alerts.get(limit - 1)) : null;
    ctx.json(page("alerts", a, after == null ? offset : null, limit, next));
  }

  /**
   * One alert as {@code GET /v1/alerts} lists it, delivery included: for a webhook receiver or an
   * operator who has an alert's id and wants where it stands now.
   */
  private void alert(Context ctx) {
    String id = alertId(ctx);
    Alert alert = deliveries.alert(id).orElseThrow(() -> new NotFoundException("no alert with id " + id));
    ctx.json(withDelivery(AlertJson.toNode(alert), deliveries.delivery(id).orElse(null)));
  }

  /** The path's alert id, checked before any read: too long or unprintable is a 400 naming id. */
  static String alertId(Context ctx) {
    String id = ctx.pathParam("id");
    ValidationException.require(id.length() <= MAX_ALERT_ID_LENGTH && Printable.isPrintable(id), "id",
        "must be an alert's id: 1 to " + MAX_ALERT_ID_LENGTH + " printable characters");
    return id;
  }

  /**
   * A filter written as a selector is, checked (a filter no alert could match is a mistake, not an
   * empty page) and put in the canonical form alerts are stored in, so {@code tool:x,user:alice}
   * finds the pair stored as {@code user:alice,tool:x}.
   */
  private static Selector selectorFilter(Context ctx, String name) {
    String text = Query.string(ctx, name, Selector.MAX_LENGTH);
    if (text == null) {
      return null;
    }
    try {
      return Selector.parse(text);
    } catch (ValidationException e) {
      throw new ValidationException(name, e.rule());
    }
  }

  private static String text(Selector filter) {
    return filter == null ? null : filter.toString();
  }

  /**
   * Adds {@code delivery: {state, attempts, lastError, deliveredAt, webhooks: [...]}}: where its
   * webhook delivery stands, overall and per webhook; nothing if the history has none for it.
   */
  static ObjectNode withDelivery(ObjectNode alert, Delivery d) {
    if (d == null) {
      return alert;
    }
    ObjectNode o = alert.putObject("delivery");
    putState(o, d.state(), d.attempts(), d.lastError(), d.deliveredAt());
    ArrayNode hooks = o.putArray("webhooks");
    for (WebhookDelivery w : d.webhooks()) {
      ObjectNode h = hooks.addObject();
      h.put("id", w.webhook().id());
      h.put("url", w.webhook().url());
      putState(h, w.state(), w.attempts(), w.lastError(), w.deliveredAt());
    }
    return alert;
  }

  private static void putState(ObjectNode o, DeliveryState state, int attempts, String lastError, Instant deliveredAt) {
    o.put("state", state.name().toLowerCase(Locale.ROOT));
    o.put("attempts", attempts);
    if (lastError != null) {
      o.put("lastError", lastError);
    }
    if (deliveredAt != null) {
      o.put("deliveredAt", deliveredAt.toString());
    }
  }

  private void audit(Context ctx) {
    Long olderThan = HistoryCursor.auditEntryId(ctx);
    int offset = Query.integer(ctx, "offset", 0, 0, MAX_OFFSET);
    int limit = Query.integer(ctx, "limit", 50, 1, 500);
    // A target is at most a selector, " #" and an override id; the filter matches part of one.
    Instant from = Query.instant(ctx, "from");
    Instant to = Query.instant(ctx, "to");
    requireRange(from, to);
    // An action no entry is written with is a mistake, as an alert filter no alert could match is.
    String action = Query.oneOf(ctx, "action", null, AuditAction.wireNames());
    AuditQuery q = new AuditQuery(textFilter(ctx, "actor", AuditText.MAX_ACTOR_LENGTH), action,
        storedTarget(textFilter(ctx, "target", MAX_TARGET_FILTER)), from, to, offset, limit, olderThan);
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    List<AuditEntry> entries = admin.audit(q);
    entries.forEach(e -> a.add(Wire.audit(e)));
    String next = entries.size() == limit ? HistoryCursor.afterAuditEntry(entries.get(limit - 1).id()) : null;
    ctx.json(page("entries", a, olderThan == null ? offset : null, limit, next));
  }

  /**
   * A filter on the text of entries, which is printable: one with a control character (a NUL, an
   * escape) could match none, and PostgreSQL refuses a NUL in a query outright, which answered 500.
   */
  private static String textFilter(Context ctx, String name, int maxLength) {
    String v = Query.string(ctx, name, maxLength);
    ValidationException.require(v == null || Printable.isPrintable(v), name, "must contain only printable characters");
    return v;
  }

  /**
   * A target filter that is a whole pair selector, in the canonical order entries are written
   * with: the API takes a pair in either order ({@code user:*,tool:x} is stored as
   * {@code tool:x,user:*}), so the filter does too, as the alert filters do. Any other text (part of
   * a target, a key's name) is matched as given.
   */
  private static String storedTarget(String filter) {
    if (filter == null || filter.indexOf(',') < 0) {
      return filter;
    }
    try {
      return Selector.parse(filter).toString();
    } catch (ValidationException e) {
      return filter;
    }
  }

  /** A range that ends where or before it starts can hold nothing: refused, as the cost report does, not answered empty. */
  private static void requireRange(Instant from, Instant to) {
    ValidationException.require(from == null || to == null || from.isBefore(to), "from", "must be before to");
  }

  /**
   * A page of {@code items}: {@code nextCursor} names the next page when this one is full, and a
   * page read by offset ({@code offset} not null) also gives its offset and the next one's.
   */
  private static ObjectNode page(String name, ArrayNode items, Integer offset, int limit, String nextCursor) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set(name, items);
    if (offset != null) {
      o.put("offset", offset);
    }
    o.put("limit", limit);
    // Only an offset the API takes: following one past the deepest page was refused with a 400.
    if (offset != null && items.size() == limit && offset + limit <= MAX_OFFSET) {
      o.put("nextOffset", offset + limit);
    }
    if (nextCursor != null) {
      o.put("nextCursor", nextCursor);
    }
    return o;
  }
}
