package dev.quota.server.report;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.CostReports;
import dev.quota.jdbc.CostRow;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API's cost report, built on the ledger's {@link CostReports}: raw rows for recent days and
 * daily rollups for days whose raw rows were pruned, so a report over the last 13 months is as
 * exact as one over yesterday. Rows are per UTC calendar day (the granularity of the rollups), per
 * month, or per provider, tool or subject (an id of the report's scope) over the range. Usage
 * that did not name the grouping scope falls in one group of its own, whose {@code group} is null:
 * no id, however spelt ("-" included), is taken for it.
 */
public final class CostReport {
  /**
   * One group's totals; {@code group} is null for usage that did not name the grouping scope, and
   * {@code cost} is exact and not bounded by the maximum of one amount.
   */
  public record Row(String group, MoneyTotal cost, long entries) {}

  /** How rows are grouped. */
  public enum GroupBy {
    PROVIDER, TOOL, SUBJECT, DAY, MONTH;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private CostReport() {}

  /**
   * The time zone in which a report reads the instants given as its range: UTC when none is
   * given; {@code text} not a zone is refused naming {@code field}.
   */
  public static ZoneId zone(String field, String text) {
    if (text == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      throw new ValidationException(field, "must be an IANA zone such as Europe/Berlin");
    }
  }

  /**
   * Costs of UTC days {@code [from, to)}.
   *
   * @param scope with {@code id}, only that subject's usage; without it, only usage that names
   *     some subject of that scope; null for all usage
   * @throws ValidationException when the ledger keeps no column for {@code scope} (it reports on
   *     user, team, project, tool and provider), or a scope without id is asked for a grouping by
   *     another scope
   */
  public static List<Row> build(CostReports reports, String scope, String id, GroupBy groupBy, LocalDate from, LocalDate to) {
    CostReports.GroupBy scopeColumn = scope == null ? null : column(scope);
    boolean byPeriod = groupBy == GroupBy.DAY || groupBy == GroupBy.MONTH;
    boolean scopeOnly = scope != null && id == null;
    CostReports.GroupBy dim = switch (groupBy) {
      case DAY, MONTH -> scopeOnly ? scopeColumn : CostReports.GroupBy.NONE;
      case PROVIDER -> CostReports.GroupBy.PROVIDER;
      case TOOL -> CostReports.GroupBy.TOOL;
      case SUBJECT -> scopeColumn;
    };
    if (scopeOnly && dim != scopeColumn) {
      throw new ValidationException("id", "is required to group one scope's costs by " + groupBy.wireName());
    }
    CostReports.Period period = groupBy == GroupBy.DAY ? CostReports.Period.DAY : CostReports.Period.MONTH;
    Map<String, String> filter = id == null ? Map.of() : Map.of(scope, id);
    Map<String, Row> sums = new TreeMap<>();
    Row unnamed = null;
    for (CostRow r : reports.report(from, to, period, dim, filter)) {
      if (scopeOnly && r.key() == null) {
        continue;
      }
      if (!byPeriod && r.key() == null) {
        unnamed = plus(unnamed, null, r);
        continue;
      }
      String group = byPeriod ? r.period() : groupBy == GroupBy.SUBJECT ? scope + ":" + r.key() : r.key();
      sums.put(group, plus(sums.get(group), group, r));
    }
    List<Row> rows = new ArrayList<>(sums.values());
    if (unnamed != null) {
      rows.add(unnamed);
    }
    return List.copyOf(rows);
  }

  private static Row plus(Row sum, String group, CostRow r) {
    return sum == null
        ? new Row(group, r.amount(), r.entries())
        : new Row(group, sum.cost().plus(r.amount()), Math.addExact(sum.entries(), r.entries()));
  }

  private static CostReports.GroupBy column(String scope) {
    for (CostReports.GroupBy g : CostReports.GroupBy.values()) {
      if (g != CostReports.GroupBy.NONE && g.wireName().equals(scope)) {
        return g;
      }
    }
    throw new ValidationException("scope", "cost reports cover the user, team, project, tool and provider scopes");
  }

  /**
   * RFC 4180 CSV with a header line; group cells are written as every export writes them, quoted
   * when they need it and guarded against spreadsheet formulas.
   */
  public static String csv(GroupBy groupBy, List<Row> rows) {
    StringBuilder sb = new StringBuilder(groupBy.wireName()).append(",cost,entries\r\n");
    for (Row r : rows) {
      // The group of usage that named none is a null group: an empty cell.
      sb.append(CostReports.csvCell(r.group())).append(',').append(r.cost().toPlainString()).append(',').append(r.entries()).append("\r\n");
    }
    return sb.toString();
  }
}
