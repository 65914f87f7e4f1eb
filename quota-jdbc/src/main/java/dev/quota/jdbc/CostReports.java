package dev.quota.jdbc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.jdbc.json.JsonFields;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * Who spent what, on which provider and tool: cost totals from the usage ledger, per UTC day or
 * month, grouped by one subject scope, as JSON-ready {@link CostRow}s or CSV. Each currency is
 * totalled apart: a group with spend in two currencies has a row for each, and spend in none (see
 * {@link dev.quota.ledger.UsageEntry#currency}) a row of its own.
 *
 * <p>Days still held as raw rows are summed from {@code usage_entry}; older days come from the
 * {@code usage_daily} rollups that {@link JdbcUsageLedger#prune} leaves behind, so a report over
 * the last 13 months costs the same whether or not the raw rows still exist.
 */
public final class CostReports {
  /** How rows are grouped besides the period. */
  public enum GroupBy {
    USER,
    TEAM,
    PROJECT,
    TOOL,
    PROVIDER,
    /** One row per period. */
    NONE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    String column() {
      return this == NONE ? null : wireName() + "_id";
    }

    public static GroupBy fromWire(String field, String text) {
      for (GroupBy g : values()) {
        if (g.wireName().equals(text)) {
          return g;
        }
      }
      throw new ValidationException(field, "must be one of user, team, project, tool, provider, none");
    }
  }

  /** Length of a report period. */
  public enum Period {
    DAY,
    MONTH;

    public static Period fromWire(String field, String text) {
      for (Period p : values()) {
        if (p.name().toLowerCase(Locale.ROOT).equals(text)) {
          return p;
        }
      }
      throw new ValidationException(field, "must be day or month");
    }

    String label(LocalDate day) {
      return this == DAY ? day.toString() : YearMonth.from(day).toString();
    }
  }

  private final DataSource ds;

  public CostReports(Database database) {
    this.ds = database.dataSource();
  }

  /**
   * Totals for UTC days {@code [from, to)} per {@code period}, grouped by {@code groupBy} and by
   * currency, ordered by period, key, then currency (none last). {@code filter} restricts to built-in subjects (e.g. {@code user=alice} to
   * see one user's spend per tool).
   *
   * @throws ValidationException for an empty range or a filter on a scope without its own column
   */
  public List<CostRow> report(LocalDate from, LocalDate to, Period period, GroupBy groupBy, Map<String, String> filter) {
    ValidationException.require(from != null, "from", "is required");
    ValidationException.require(to != null && to.isAfter(from), "to", "must be after from");
    ValidationException.require(period != null, "period", "is required");
    ValidationException.require(groupBy != null, "groupBy", "is required");
    Map<String, String> where = checkedFilter(filter);
    return Jdbc.read(ds, "building a cost report", c -> {
      LocalDate watermark = RollupWatermark.read(c);
      while (true) {
        TreeMap<List<String>, Sum> totals = sum(c, watermark, from, to, period, groupBy, where);
        // Each statement sees what was committed when it began: a prune committed after the
        // watermark was read has deleted raw rows of days this report then read from neither
        // table. The watermark moves at most once a UTC day, so a second reading settles it.
        LocalDate after = RollupWatermark.read(c);
        if (after.equals(watermark)) {
          List<CostRow> rows = new ArrayList<>(totals.size());
          totals.forEach((k, v) -> rows.add(new CostRow(k.get(0), orNull(k.get(1)), orNull(k.get(2)), v.amount, v.entries)));
          return rows;
        }
        watermark = after;
      }
    });
  }

  /** The sums of days before {@code watermark} from rollups, and of the others from raw rows. */
  private static TreeMap<List<String>, Sum> sum(
      Connection c, LocalDate watermark, LocalDate from, LocalDate to, Period period, GroupBy groupBy, Map<String, String> where)
      throws SQLException {
    TreeMap<List<String>, Sum> totals = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
    // Raw rows only for days not rolled up, so late rows that also went to rollups count once.
    LocalDate rawFrom = from.isBefore(watermark) ? watermark : from;
    if (rawFrom.isBefore(to)) {
      accumulate(c, "usage_entry", "COUNT(*)", true, rawFrom, to, period, groupBy, where, totals);
    }
    LocalDate rollupTo = to.isAfter(watermark) ? watermark : to;
    if (from.isBefore(rollupTo)) {
      accumulate(c, "usage_daily", "SUM(entries)", false, from, rollupTo, period, groupBy, where, totals);
    }
    return totals;
  }

  private static final Comparator<String> NONE_LAST =
      (a, b) -> a.isEmpty() || b.isEmpty() ? Boolean.compare(a.isEmpty(), b.isEmpty()) : a.compareTo(b);

  /** Period, then key, then currency, with '' (none) after every currency. */
  private static final Comparator<List<String>> BY_PERIOD_KEY_CURRENCY = Comparator
      .<List<String>, String>comparing(k -> k.get(0))
      .thenComparing(k -> k.get(1))
      .thenComparing(k -> k.get(2), NONE_LAST);

  /** '' is how a grouping column holds "none", in rollups and in the COALESCE of raw rows. */
  private static String orNull(String column) {
    return column.isEmpty() ? null : column;
  }

  /** A group's running totals; the amount is exact however many entries add up. */
  private static final class Sum {
    MoneyTotal amount = MoneyTotal.ZERO;
    long entries;
  }

  private static void accumulate(
      Connection c,
      String table,
      String countExpr,
      boolean nullable,
      LocalDate from,
      LocalDate to,
      Period period,
      GroupBy groupBy,
      Map<String, String> filter,
      Map<List<String>, Sum> totals)
      throws SQLException {
    String key = groupBy.column() == null ? null : nullable ? "COALESCE(" + groupBy.column() + ", '')" : groupBy.column();
    String currency = nullable ? "COALESCE(currency, '')" : "currency";
    StringBuilder sql = new StringBuilder("SELECT usage_day, ").append(currency).append(", ");
    sql.append(key == null ? "" : key + ", ").append("SUM(amount), ").append(countExpr).append(" FROM ").append(table);
    sql.append(" WHERE usage_day >= ? AND usage_day < ?");
    filter.keySet().forEach(scope -> sql.append(" AND ").append(LedgerRows.column(scope)).append(" = ?"));
    sql.append(" GROUP BY usage_day, ").append(currency).append(key == null ? "" : ", " + key);
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      ps.setObject(1, from);
      ps.setObject(2, to);
      int i = 3;
      for (String id : filter.values()) {
        ps.setString(i++, id);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          LocalDate day = rs.getObject(1, LocalDate.class);
          String cur = rs.getString(2);
          String k = key == null ? "" : rs.getString(3);
          int col = key == null ? 3 : 4;
          Sum t = totals.computeIfAbsent(List.of(period.label(day), k, cur), x -> new Sum());
          t.amount = t.amount.plus(MoneyTotal.of(rs.getBigDecimal(col)));
          t.entries = Math.addExact(t.entries, rs.getLong(col + 1));
        }
      }
    }
  }

  /**
   * Real-time totals from raw ledger rows with {@code at} in {@code [from, to)}, grouped by
   * {@code groupBy} and by currency, ordered by key, then currency (none last); each row's period is
   * the ISO interval {@code from/to}.
   */
  public List<CostRow> totals(Instant from, Instant to, GroupBy groupBy, Map<String, String> filter) {
    ValidationException.require(from != null, "from", "is required");
    ValidationException.require(to != null && to.isAfter(from), "to", "must be after from");
    ValidationException.require(groupBy != null, "groupBy", "is required");
    Map<String, String> where = checkedFilter(filter);
    String key = groupBy.column() == null ? null : "COALESCE(" + groupBy.column() + ", '')";
    String currency = "COALESCE(currency, '')";
    StringBuilder sql = new StringBuilder("SELECT ").append(currency).append(", ");
    sql.append(key == null ? "" : key + ", ").append("SUM(amount), COUNT(*) FROM usage_entry WHERE at >= ? AND at < ?");
    where.keySet().forEach(scope -> sql.append(" AND ").append(LedgerRows.column(scope)).append(" = ?"));
    sql.append(" GROUP BY ").append(currency).append(key == null ? "" : ", " + key);
    String label = Jdbc.micros(from) + "/" + Jdbc.micros(to);
    return Jdbc.read(ds, "summing costs", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        Jdbc.setInstant(ps, 1, from);
        Jdbc.setInstant(ps, 2, to);
        int i = 3;
        for (String id : where.values()) {
          ps.setString(i++, id);
        }
        try (ResultSet rs = ps.executeQuery()) {
          TreeMap<List<String>, CostRow> rows = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
          while (rs.next()) {
            int col = key == null ? 2 : 3;
            String cur = rs.getString(1);
            String k = key == null ? "" : rs.getString(2);
            rows.put(List.of(label, k, cur),
                new CostRow(label, orNull(k), orNull(cur), MoneyTotal.of(rs.getBigDecimal(col)), rs.getLong(col + 1)));
          }
          return new ArrayList<>(rows.values());
        }
      }
    });
  }

  private static Map<String, String> checkedFilter(Map<String, String> filter) {
    Map<String, String> out = new TreeMap<>();
    if (filter != null) {
      filter.forEach(
          (scope, id) -> {
            ValidationException.require(
                LedgerRows.column(scope) != null, "filter." + scope, "reports filter only by user, team, project, tool or provider");
            ValidationException.require(id != null && !id.isEmpty(), "filter." + scope, "must not be empty");
            out.put(scope, id);
          });
    }
    return out;
  }

  // ------------------------------------------------------------------------------- rendering

  /**
   * JSON array of {@code {"period":..,"<groupBy>":..,"currency":"EUR","amount":"1.50","entries":3}};
   * amounts as strings, the currency null for spend in none.
   */
  public static ArrayNode toJson(List<CostRow> rows, GroupBy groupBy) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (CostRow r : rows) {
      ObjectNode o = out.addObject();
      o.put("period", r.period());
      if (groupBy != GroupBy.NONE) {
        o.put(groupBy.wireName(), r.key());
      }
      o.put("currency", r.currency());
      o.put("amount", r.amount().toPlainString());
      o.put("entries", r.entries());
    }
    return out;
  }

  public static String toJsonText(List<CostRow> rows, GroupBy groupBy) {
    return JsonFields.write(toJson(rows, groupBy));
  }

  /**
   * RFC 4180 CSV with a header line and CRLF line ends; cells are written by {@link #csvCell}, so
   * none runs as a spreadsheet formula. The currency is the last column, empty for spend in none.
   */
  public static String toCsv(List<CostRow> rows, GroupBy groupBy) {
    StringBuilder sb = new StringBuilder("period");
    if (groupBy != GroupBy.NONE) {
      sb.append(',').append(groupBy.wireName());
    }
    sb.append(",amount,entries,currency\r\n");
    for (CostRow r : rows) {
      sb.append(csvCell(r.period()));
      if (groupBy != GroupBy.NONE) {
        sb.append(',').append(csvCell(r.key()));
      }
      sb.append(',').append(r.amount().toPlainString()).append(',').append(r.entries());
      sb.append(',').append(csvCell(r.currency())).append("\r\n");
    }
    return sb.toString();
  }

  /**
   * One CSV cell, quoted when it needs it; null is an empty cell. A value a spreadsheet would run
   * as a formula (starting with {@code = + - @}, tab or CR) gets a leading {@code '}. So does a
   * value that already starts with {@code '}: otherwise {@code =x} and {@code '=x} would both be
   * written {@code '=x} and no reader could tell them apart. With it, a reader removes one leading
   * {@code '} from every cell that has one and gets each value back as it was.
   */
  public static String csvCell(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String v = value;
    if ("=+-@\t\r'".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v;
    }
    if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
      v = '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }

}
