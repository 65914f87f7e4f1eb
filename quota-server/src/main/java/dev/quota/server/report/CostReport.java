package dev.quota.server.report;

import dev.quota.MoneyTotal;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.internal.TimeZones;
import dev.quota.jdbc.CostReports;
import dev.quota.jdbc.CostRow;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The API's cost report, built on the ledger's {@link CostReports}: raw rows for recent days and
 * daily rollups for days whose raw rows were pruned, so a report over the last 13 months is as
 * exact as one over yesterday, on a scope of the platform's own ({@code org}) as on a built-in one.
 * Rows are per UTC calendar day (the granularity of the rollups), per
 * month, or per provider, tool or subject (an id of the report's scope) over the range, and per
 * currency: a group with spend in two currencies has two rows, never one that adds them. Usage
 * that did not name the grouping scope falls in one group of its own, whose {@code group} is null:
 * no id, however spelt ("-" included), is taken for it.
 */
public final class CostReport {
  /**
   * One group's totals in one currency; {@code group} is null for usage that did not name the
   * grouping scope, {@code currency} null for spend in none (see {@code UsageEntry#currency}), and
   * {@code cost} is exact and not bounded by the maximum of one amount.
   */
  public record Row(String group, String currency, MoneyTotal cost, long entries) {}

  /** The spend of a whole report in one currency; {@code currency} null for spend in none. */
  public record Total(String currency, MoneyTotal cost, long entries) {}

  /** A group in one currency; null parts sort last. */
  private record Key(String group, String currency) {}

  private static final Comparator<String> NULLS_LAST = Comparator.nullsLast(Comparator.naturalOrder());
  private static final Comparator<Key> BY_GROUP_THEN_CURRENCY =
      Comparator.comparing(Key::group, NULLS_LAST).thenComparing(Key::currency, NULLS_LAST);

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
   * given; {@code text} not a zone ({@link TimeZones}) is refused naming {@code field}.
   */
  public static ZoneId zone(String field, String text) {
    if (text == null) {
      return ZoneOffset.UTC;
    }
    return TimeZones.parse(field, text);
  }

  /**
   * Costs of UTC days {@code [from, to)}.
   *
   * @param scope with {@code id}, only that subject's usage; without it, only usage that names
   *     some subject of that scope; null for all usage. Any scope: a built-in one or one of the
   *     platform's own ({@code org}).
   * @throws ValidationException when a scope without id is asked for a grouping by another scope
   */
  public static List<Row> build(CostReports reports, String scope, String id, GroupBy groupBy, LocalDate from, LocalDate to) {
    boolean byPeriod = groupBy == GroupBy.DAY || groupBy == GroupBy.MONTH;
    boolean scopeOnly = scope != null && id == null;
    // The scope whose identifiers the rows are grouped by; null for one row per period.
    String dim = switch (groupBy) {
      case DAY, MONTH -> scopeOnly ? scope : null;
      case PROVIDER -> Subject.PROVIDER;
      case TOOL -> Subject.TOOL;
      case SUBJECT -> scope;
    };
    if (scopeOnly && !scope.equals(dim)) {
      throw new ValidationException("id", "is required to group one scope's costs by " + groupBy.wireName());
    }
    CostReports.Period period = groupBy == GroupBy.DAY ? CostReports.Period.DAY : CostReports.Period.MONTH;
    Map<String, String> filter = id == null ? Map.of() : Map.of(scope, id);
    // The unnamed group (a null key) sorts after every named one.
    Map<Key, Row> sums = new TreeMap<>(BY_GROUP_THEN_CURRENCY);
    for (CostRow r : reports.report(from, to, period, dim, filter)) {
      if (scopeOnly && r.key() == null) {
        continue;
      }
      String group = byPeriod ? r.period() : r.key() == null ? null : groupBy == GroupBy.SUBJECT ? scope + ":" + r.key() : r.key();
      Key key = new Key(group, r.currency());
      sums.put(key, plus(sums.get(key), key, r));
    }
    return List.copyOf(sums.values());
  }

  private static Row plus(Row sum, Key key, CostRow r) {
    return sum == null
        ? new Row(key.group(), key.currency(), r.amount(), r.entries())
        : new Row(key.group(), key.currency(), sum.cost().plus(r.amount()), Math.addExact(sum.entries(), r.entries()));
  }

  /**
   * The report's totals, one per currency, by code, spend in none last as a total of its own:
   * amounts of different currencies are never added.
   */
  public static List<Total> totals(List<Row> rows) {
    Map<String, Total> sums = new TreeMap<>(NULLS_LAST);
    for (Row r : rows) {
      Total sum = sums.get(r.currency());
      sums.put(r.currency(), sum == null
          ? new Total(r.currency(), r.cost(), r.entries())
          : new Total(r.currency(), sum.cost().plus(r.cost()), Math.addExact(sum.entries(), r.entries())));
    }
    return List.copyOf(sums.values());
  }

  /**
   * RFC 4180 CSV with a header line; group cells are written as every export writes them, quoted
   * when they need it and guarded against spreadsheet formulas. The currency comes last, an empty
   * cell for spend in none.
   */
  public static String csv(GroupBy groupBy, List<Row> rows) {
    StringBuilder sb = new StringBuilder(groupBy.wireName()).append(",cost,entries,currency\r\n");
    for (Row r : rows) {
      // The group of usage that named none is a null group: an empty cell.
      sb.append(CostReports.csvCell(r.group())).append(',').append(r.cost().toPlainString()).append(',').append(r.entries());
      sb.append(',').append(CostReports.csvCell(r.currency())).append("\r\n");
    }
    return sb.toString();
  }
}
