package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.ledger.UsageLedger;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.Query;
import dev.quota.server.report.CostReport;
import dev.quota.server.report.CostReport.GroupBy;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.VIEWER;

/** {@code GET /v1/reports/costs}: spend from the ledger, grouped, as JSON or CSV. */
public final class ReportRoutes {
  private static final Duration MAX_RANGE = Duration.ofDays(400);
  private final UsageLedger ledger;
  private final Clock clock;

  public ReportRoutes(UsageLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
  }

  public void register(RouteTable r) {
    r.get("/v1/reports/costs", this::costs, ADMIN, VIEWER);
  }

  private void costs(Context ctx) {
    String scope = Query.string(ctx, "scope", 32);
    String id = Query.string(ctx, "id", 512);
    if (scope != null) {
      Subject.validateScope("scope", scope);
    }
    if (id != null) {
      ValidationException.require(scope != null, "id", "needs a scope");
      Subject.validateId("id", id);
    }
    Principal p = Auth.principal(ctx);
    if (p.role() == Role.VIEWER) {
      if (scope == null || id == null) {
        throw ApiError.forbidden("a viewer key must name one of its subjects with scope and id");
      }
      Auth.requireRead(ctx, new Subject(scope, id));
    }
    GroupBy groupBy = GroupBy.valueOf(Query.oneOf(ctx, "groupBy", "day", List.of("provider", "tool", "subject", "day", "month")).toUpperCase(java.util.Locale.ROOT));
    ValidationException.require(groupBy != GroupBy.SUBJECT || scope != null, "groupBy", "subject needs a scope");
    String format = Query.oneOf(ctx, "format", "json", List.of("json", "csv"));
    ZoneId zone = zone(Query.string(ctx, "timezone", 64));
    Instant to = Query.instant(ctx, "to");
    Instant from = Query.instant(ctx, "from");
    if (to == null) {
      to = clock.instant();
    }
    if (from == null) {
      from = to.minus(Duration.ofDays(30));
    }
    ValidationException.require(from.isBefore(to), "from", "must be before to");
    ValidationException.require(Duration.between(from, to).compareTo(MAX_RANGE) <= 0, "to", "must be at most 400 days after from");
    List<CostReport.Row> rows = CostReport.build(ledger, scope, id, groupBy, from, to, zone);
    if (format.equals("csv")) {
      ctx.contentType("text/csv; charset=utf-8").header("Content-Disposition", "attachment; filename=\"costs.csv\"")
          .result(CostReport.csv(groupBy, rows));
      return;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (scope != null) {
      o.put("scope", scope);
    }
    if (id != null) {
      o.put("id", id);
    }
    o.put("groupBy", groupBy.wireName());
    o.put("from", from.toString());
    o.put("to", to.toString());
    long total = 0;
    ArrayNode a = o.putArray("rows");
    for (CostReport.Row r : rows) {
      ObjectNode row = a.addObject();
      row.put("group", r.group());
      row.put("cost", r.cost().toPlainString());
      row.put("entries", r.entries());
      row.put("overrun", r.overrun().toPlainString());
      total = Math.addExact(total, r.cost().nanos());
    }
    o.put("total", dev.quota.Money.ofNanos(total).toPlainString());
    ctx.json(o);
  }

  private static ZoneId zone(String text) {
    if (text == null) {
      return java.time.ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      throw new ValidationException("timezone", "must be an IANA zone such as Europe/Berlin");
    }
  }
}
