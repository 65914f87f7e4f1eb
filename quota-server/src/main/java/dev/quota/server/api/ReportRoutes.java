package dev.quota.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.MoneyTotal;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.internal.TimeZones;
import dev.quota.jdbc.CostReports;
import dev.quota.server.auth.Auth;
import dev.quota.server.auth.Principal;
import dev.quota.server.auth.Role;
import dev.quota.server.http.ApiError;
import dev.quota.server.http.Query;
import dev.quota.server.http.QueryParameters;
import dev.quota.server.report.CostReport.GroupBy;
import dev.quota.server.report.CostReport;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

import static dev.quota.server.auth.Role.ADMIN;
import static dev.quota.server.auth.Role.VIEWER;

/**
 * {@code GET /v1/reports/costs}: spend from the ledger, grouped, as JSON or CSV. Costs are kept per
 * UTC calendar day (raw rows for recent days, daily rollups after they are pruned), so a report
 * covers whole days: those {@code from} and {@code to} fall on in {@code timezone}, {@code to}
 * rounded up to the next midnight unless it is one, and kept within the days dates are written in
 * (0001-01-01 to 9999-12-31): an instant near either end falls on a day beyond it in some zones,
 * and no usage is recorded there.
 */
public final class ReportRoutes {
  private static final int MAX_DAYS = 400;
  private final CostReports reports;
  private final Clock clock;

  public ReportRoutes(CostReports reports, Clock clock) {
    this.reports = reports;
    this.clock = clock;
  }

  public void register(RouteTable r) {
    r.get("/v1/reports/costs", QueryParameters.of("scope", "id", "groupBy", "from", "to", "format", "timezone"), this::costs,
        ADMIN, VIEWER);
  }

  /**
   * The report's zone, as {@link CostReport#zone}. A {@code +} left unencoded in a query string
   * arrives as a space, so {@code timezone=+05:30} reads {@code " 05:30"}: that refusal says how to
   * send the offset, which the rule alone would leave a puzzle.
   */
  private static ZoneId zone(String text) {
    if (text != null && text.length() > 1 && text.charAt(0) == ' ' && Character.isDigit(text.charAt(1))) {
      throw new ValidationException(
          "timezone", TimeZones.RULE + ": a + in a query string reads as a space, so send +" + text.substring(1) + " as %2B"
              + text.substring(1));
    }
    return CostReport.zone("timezone", text);
  }

  private void costs(Context ctx) {
    String scope = Query.string(ctx, "scope", 32);
    String id = Query.string(ctx, "id", 512);
    if (scope != null) {
      Subject.validateScope("scope", scope);
    }
    if (id != null) {
      ValidationException.require(scope != null, "id", "needs a scope");
      Subject.validateSubjectId("id", id);
    }
    Principal p = Auth.principal(ctx);
    if (p.role() == Role.VIEWER) {
      if (scope == null || id == null) {
        throw ApiError.forbidden("a viewer key must name one of its subjects with scope and id");
      }
      Auth.requireRead(ctx, new Subject(scope, id));
    }
    GroupBy groupBy = GroupBy.valueOf(Query.oneOf(ctx, "groupBy", "day", List.of("provider", "tool", "subject", "day", "month")).toUpperCase(Locale.ROOT));
    ValidationException.require(groupBy != GroupBy.SUBJECT || scope != null, "groupBy", "subject needs a scope");
    String format = Query.oneOf(ctx, "format", "json", List.of("json", "csv"));
    ZoneId zone = zone(Query.string(ctx, "timezone", 64));
    LocalDate givenTo = day(ctx, "to", zone, true);
    Instant now = clock.instant();
    ZoneId defaultToZone = defaultToZone(zone, now);
    LocalDate toDay = givenTo != null ? givenTo : withinDates(now.atZone(defaultToZone).toLocalDate().plusDays(1));
    LocalDate givenFrom = day(ctx, "from", zone, false);
    LocalDate fromDay = givenFrom != null ? givenFrom : withinDates(toDay.minusDays(30));
    if (!fromDay.isBefore(toDay)) {
      throw emptyRange(toDay, givenFrom == null, givenTo == null, defaultToZone);
    }
    if (fromDay.plusDays(MAX_DAYS).isBefore(toDay)) {
      throw tooLong(fromDay, toDay, givenTo == null, defaultToZone);
    }
    List<CostReport.Row> rows = CostReport.build(reports, scope, id, groupBy, fromDay, toDay);
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
    // The days summed, as UTC calendar dates, end exclusive.
    o.put("from", fromDay.toString());
    o.put("to", toDay.toString());
    ArrayNode a = o.putArray("rows");
    for (CostReport.Row r : rows) {
      ObjectNode row = a.addObject();
      row.put("group", r.group());
      row.put("currency", r.currency());
      row.put("cost", r.cost().toPlainString());
      row.put("entries", r.entries());
    }
    List<CostReport.Total> totals = CostReport.totals(rows);
    ArrayNode t = o.putArray("totals");
    for (CostReport.Total r : totals) {
      t.addObject().put("currency", r.currency()).put("cost", r.cost().toPlainString()).put("entries", r.entries());
    }
    // One total only where the rows share a currency: euros are never added to dollars.
    CostReport.Total only = totals.size() == 1 ? totals.get(0) : null;
    o.put("total", totals.isEmpty() ? MoneyTotal.ZERO.toPlainString() : only == null ? null : only.cost().toPlainString());
    o.put("currency", only == null ? null : only.currency());
    ctx.json(o);
  }

  /**
   * The zone whose tomorrow is the default end: {@code zone}'s, unless tomorrow in UTC is later. Rows
   * are UTC days, and west of UTC, after UTC midnight, tomorrow's date in the zone is today's UTC
   * date, whose spend so far a report ending there would leave out.
   */
  private static ZoneId defaultToZone(ZoneId zone, Instant now) {
    return now.atZone(ZoneOffset.UTC).toLocalDate().isAfter(now.atZone(zone).toLocalDate()) ? ZoneOffset.UTC : zone;
  }

  /**
   * The refusal of a range with no day in it. It names the day {@code to} came to, since a client
   * that left it out, or gave an instant, or a date in another zone, does not know it: {@code
   * from=2030-01-01} alone is refused for a {@code to} it never wrote. A {@code from} left out is 30
   * days before {@code to}, so it is the first day itself when {@code to} is: then {@code to} is
   * what is wrong.
   */
  private static ValidationException emptyRange(LocalDate toDay, boolean fromDefaulted, boolean toDefaulted, ZoneId zone) {
    if (fromDefaulted) {
      return new ValidationException("to", "must be after " + Query.FIRST_DAY + ", the first day a report covers");
    }
    return new ValidationException("from", "must be a day before to (" + toDay + defaultNote(toDefaulted, zone) + ")");
  }

  /**
   * A range of more than {@link #MAX_DAYS} days, refused naming the parameter the client sent:
   * {@code to} if given (from, left out, is never that far before it), else {@code from}, before
   * the default {@code to}.
   */
  private static ValidationException tooLong(LocalDate fromDay, LocalDate toDay, boolean toDefaulted, ZoneId zone) {
    if (toDefaulted) {
      return new ValidationException(
          "from", "must be at most " + MAX_DAYS + " days before to (" + toDay + defaultNote(true, zone) + ")");
    }
    return new ValidationException("to", "must be at most " + MAX_DAYS + " days after from (" + fromDay + ")");
  }

  /** What follows the day {@code to} came to when the client left it out. */
  private static String defaultNote(boolean toDefaulted, ZoneId zone) {
    return toDefaulted ? ", the default: tomorrow in " + (zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId()) : "";
  }

  /**
   * A date ({@code 2030-01-31}) as given, or the date an instant falls on in {@code zone}; an
   * instant used as an end that is not a midnight rounds up to the next day, so it is covered.
   */
  private static LocalDate day(Context ctx, String name, ZoneId zone, boolean end) {
    LocalDate date = Query.date(ctx, name);
    if (date != null) {
      return date;
    }
    Instant t = Query.instant(ctx, name);
    if (t == null) {
      return null;
    }
    LocalDate d = t.atZone(zone).toLocalDate();
    return withinDates(end && !t.equals(d.atStartOfDay(zone).toInstant()) ? d.plusDays(1) : d);
  }

  /** {@code d}, or the nearest day dates are written in: the report answers no day of year 0 or 10000. */
  private static LocalDate withinDates(LocalDate d) {
    return d.isBefore(Query.FIRST_DAY) ? Query.FIRST_DAY : d.isAfter(Query.LAST_DAY) ? Query.LAST_DAY : d;
  }
}
