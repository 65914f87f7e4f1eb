package dev.quota.server.report;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.CostReports;
import dev.quota.jdbc.CostRow;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API's cost report, built on the ledger's {@link CostReports}: raw rows for recent days and
 * daily rollups for days whose raw rows were pruned, so a report over the last 13 months is as
 * exact as one over yesterday. Rows are per UTC calendar day (the granularity of the rollups), per
 * month, or per provider, tool or subject (an id of the report's scope) over the range. Usage
 * that did not name the grouping scope falls under "-".
 */
public final class CostReport {
  /** One group's totals; {@code cost} is exact and not bounded by the maximum of one amount. */
  public record Row(String group, MoneyTotal cost, long entries) {}

  /** How rows are grouped. */
  public enum GroupBy {
    PROVIDER, TOOL, SUBJECT, DAY, MONTH;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final String NONE = "-";

  private CostReport() {}

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
    for (CostRow r : reports.report(from, to, period, dim, filter)) {
      if (scopeOnly && r.key() == null) {
        continue;
      }
      String group = byPeriod ? r.period()
          : r.key() == null ? NONE
          : groupBy == GroupBy.SUBJECT ? scope + ":" + r.key() : r.key();
      sums.merge(group, new Row(group, r.amount(), r.entries()),
          (a, b) -> new Row(group, a.cost().plus(b.cost()), Math.addExact(a.entries(), b.entries())));
    }
    return List.copyOf(sums.values());
  }

  private static CostReports.GroupBy column(String scope) {
    for (CostReports.GroupBy g : CostReports.GroupBy.values()) {
      if (g != CostReports.GroupBy.NONE && g.wireName().equals(scope)) {
        return g;
      }
    }
    throw new ValidationException("scope", "cost reports cover the user, team, project, tool and provider scopes");
  }

  /** RFC 4180 CSV with a header line; group values are quoted when they need it. */
  public static String csv(GroupBy groupBy, List<Row> rows) {
    StringBuilder sb = new StringBuilder(groupBy.wireName()).append(",cost,entries\r\n");
    for (Row r : rows) {
      sb.append(csvField(r.group())).append(',').append(r.cost().toPlainString()).append(',').append(r.entries()).append("\r\n");
    }
    return sb.toString();
  }

  private static String csvField(String s) {
    // A leading formula character would be executed by spreadsheets: neutralise it.
    String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !s.equals(NONE) ? "'" + s : s;
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
