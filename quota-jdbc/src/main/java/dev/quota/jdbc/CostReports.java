package dev.quota.jdbc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quota.MoneyTotal;
import dev.quota.Subject;
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
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Who spent what, on which provider and tool: cost totals from the usage ledger, per UTC day or
 * month, grouped by one subject scope (a built-in one or a platform's own, such as {@code org}), as
 * JSON-ready {@link CostRow}s or CSV. Each currency is
 * totalled apart: a group with spend in two currencies has a row for each, and spend in none (see
 * {@link dev.quota.ledger.UsageEntry#currency}) a row of its own.
 *
 * <p>Days still held as raw rows are summed from {@code usage_entry}; older days come from the
 * {@code usage_daily} rollups that {@link JdbcUsageLedger#prune} leaves behind, so a report over
 * the last 13 months costs the same whether or not the raw rows still exist. A report on a scope
 * without a column reads the entries' subjects in {@code usage_entry_subject} for the raw days, and
 * the {@code usage_daily_subject} rollups beside {@code usage_daily} for the older ones ({@link
 * SubjectRollups}).
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
   * currency, ordered by period, key, then currency (none last). {@code filter} restricts to subjects
   * (e.g. {@code user=alice} to see one user's spend per tool).
   *
   * @throws ValidationException as {@link #report(LocalDate, LocalDate, Period, String, Map)}
   */
  public List<CostRow> report(LocalDate from, LocalDate to, Period period, GroupBy groupBy, Map<String, String> filter) {
    ValidationException.require(groupBy != null, "groupBy", "is required");
    return report(from, to, period, groupBy == GroupBy.NONE ? null : groupBy.wireName(), filter);
  }

  /**
   * Totals for UTC days {@code [from, to)} per {@code period}, grouped by the identifiers of
   * {@code groupScope} (any scope, {@code org} as well as {@code user}; null for one row per period)
   * and by currency, ordered by period, key, then currency (none last). {@code filter} restricts to
   * subjects of any scopes ({@code org=acme}).
   *
   * <p>Days rolled up keep, for a scope without a column, each subject's spend per tool, provider
   * and currency: a report naming one such scope and otherwise only tool and provider covers them
   * like any other; one combining such a scope with another, or with a user, team or project,
   * covers only days not rolled up yet.
   *
   * @throws ValidationException for an empty range, a malformed scope or an empty identifier, or a
   *     report the rollups cannot answer reaching back into days rolled up
   */
  public List<CostRow> report(LocalDate from, LocalDate to, Period period, String groupScope, Map<String, String> filter) {
    ValidationException.require(from != null, "from", "is required");
    ValidationException.require(to != null && to.isAfter(from), "to", "must be after from");
    ValidationException.require(period != null, "period", "is required");
    if (groupScope != null) {
      Subject.validateScope("groupBy", groupScope);
    }
    Map<String, String> where = checkedFilter(filter);
    List<String> withoutColumns = scopesWithoutColumns(groupScope, where);
    SubjectRollups subjectRollups = withoutColumns.isEmpty() ? null : SubjectRollups.of(withoutColumns, groupScope, where);
    return Jdbc.read(ds, "building a cost report", c -> {
      LocalDate watermark = RollupWatermark.read(c);
      while (true) {
        if (!withoutColumns.isEmpty() && subjectRollups == null && from.isBefore(watermark)) {
          throw new ValidationException("from", "must be " + watermark + " or later for a report combining "
              + String.join(" and ", describe(groupScope, where)) + ": earlier days are kept as daily totals of each"
              + " subject of one scope by tool and provider, and of the user, team, project, tool and provider scopes");
        }
        TreeMap<List<String>, Sum> totals = sum(c, watermark, from, to, period, groupScope, where, subjectRollups);
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

  /** The scopes of the grouping and the filter that have no column, which rollups do not keep. */
  private static List<String> scopesWithoutColumns(String groupScope, Map<String, String> filter) {
    TreeSet<String> out = new TreeSet<>();
    if (groupScope != null && LedgerRows.column(groupScope) == null) {
      out.add(groupScope);
    }
    filter.keySet().stream().filter(scope -> LedgerRows.column(scope) == null).forEach(out::add);
    return List.copyOf(out);
  }

  /** What a report that the rollups cannot answer names: its grouping's scope and each filter. */
  private static List<String> describe(String groupScope, Map<String, String> filter) {
    List<String> out = new ArrayList<>();
    if (groupScope != null) {
      out.add("groupBy " + groupScope);
    }
    filter.keySet().forEach(scope -> out.add("filter." + scope));
    return out;
  }

  /**
   * The sums of days before {@code watermark} from rollups ({@code subjectRollups} for a report on
   * a scope without a column), and of the others from raw rows.
   */
  private static TreeMap<List<String>, Sum> sum(
      Connection c,
      LocalDate watermark,
      LocalDate from,
      LocalDate to,
      Period period,
      String groupScope,
      Map<String, String> where,
      SubjectRollups subjectRollups)
      throws SQLException {
    TreeMap<List<String>, Sum> totals = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
    // Raw rows only for days not rolled up, so late rows that also went to rollups count once.
    LocalDate rawFrom = from.isBefore(watermark) ? watermark : from;
    if (rawFrom.isBefore(to)) {
      accumulate(c, Source.RAW.select(rawFrom, to, groupScope, where), period, totals);
    }
    LocalDate rollupTo = to.isAfter(watermark) ? watermark : to;
    if (from.isBefore(rollupTo)) {
      if (subjectRollups == null) {
        accumulate(c, Source.ROLLUPS.select(from, rollupTo, groupScope, where), period, totals);
      } else {
        accumulateSubjectRollups(c, subjectRollups, from, rollupTo, period, totals);
      }
    }
    return totals;
  }

  /**
   * A rolled-up report on a scope without a column: its subjects' rollups, and for a report by its
   * identifiers also the spend of entries naming none of them, which is the day's total in {@code
   * usage_daily} less what its subjects spent (an entry names at most one subject of a scope).
   */
  private static void accumulateSubjectRollups(
      Connection c, SubjectRollups rollups, LocalDate from, LocalDate to, Period period, Map<List<String>, Sum> totals)
      throws SQLException {
    TreeMap<List<String>, Sum> named = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
    accumulate(c, rollups.select(from, to), period, named);
    named.forEach((k, v) -> totals.computeIfAbsent(k, x -> new Sum()).add(v.amount, v.entries));
    if (!rollups.needsUnnamedGroup()) {
      return;
    }
    TreeMap<List<String>, Sum> unnamed = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
    accumulate(c, Source.ROLLUPS.select(from, to, null, rollups.builtInFilter), period, unnamed);
    named.forEach((k, v) -> unnamed.computeIfAbsent(List.of(k.get(0), "", k.get(2)), x -> new Sum())
        .add(MoneyTotal.of(v.amount.toBigDecimal().negate()), -v.entries));
    unnamed.forEach((k, v) -> {
      if (v.entries != 0) {
        totals.computeIfAbsent(k, x -> new Sum()).add(v.amount, v.entries);
      }
    });
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

    void add(MoneyTotal a, long n) {
      amount = amount.plus(a);
      entries = Math.addExact(entries, n);
    }
  }

  /** Adds the rows of {@code q}, a {@code SELECT day, currency, key, amount, entries}, to {@code totals} by {@code period}. */
  private static void accumulate(Connection c, Selection q, Period period, Map<List<String>, Sum> totals)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(q.sql())) {
      Jdbc.bind(ps, q.args());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          LocalDate day = rs.getObject(1, LocalDate.class);
          totals.computeIfAbsent(List.of(period.label(day), rs.getString(3), rs.getString(2)), x -> new Sum())
              .add(MoneyTotal.of(rs.getBigDecimal(4)), rs.getLong(5));
        }
      }
    }
  }

  /** A statement and the arguments of its parameters, in order. */
  record Selection(String sql, List<Object> args) {}

  /**
   * Where sums come from: raw rows ({@code usage_entry}, with {@code usage_entry_subject} for the
   * scopes without a column) or daily rollups ({@code usage_daily}, built-in scopes only, '' for
   * "not named").
   */
  private enum Source {
    RAW("usage_entry", "COUNT(*)", true),
    ROLLUPS("usage_daily", "SUM(u.entries)", false);

    final String table;
    final String count;
    final boolean nullable;

    Source(String table, String count, boolean nullable) {
      this.table = table;
      this.count = count;
      this.nullable = nullable;
    }

    /** {@link #select(String, String, Map, String, List)} of UTC days {@code [from, to)}, per day. */
    Selection select(LocalDate from, LocalDate to, String groupScope, Map<String, String> filter) {
      return select("usage_day", groupScope, filter, "u.usage_day >= ? AND u.usage_day < ?", List.of(from, to));
    }

    /**
     * {@code SELECT <period>, currency, key, SUM(amount), <count>} of the rows in {@code range}
     * (its parameters {@code rangeArgs}) that match {@code filter}, grouped by {@code period},
     * currency and {@code groupScope}'s identifier ('' for none), with {@code period} null for no
     * period column (the constant '' stands in).
     */
    Selection select(String periodColumn, String groupScope, Map<String, String> filter, String range, List<?> rangeArgs) {
      List<Object> args = new ArrayList<>();
      String currency = orEmpty("u.currency");
      String key = "''";
      StringBuilder from = new StringBuilder(table).append(" u");
      if (groupScope != null) {
        String column = LedgerRows.column(groupScope);
        if (column != null) {
          key = orEmpty("u." + column);
        } else {
          // At most one row per entry and scope (the primary key), so no entry counts twice.
          from.append(" LEFT JOIN usage_entry_subject g ON g.entry_id = u.id AND g.scope = ?");
          args.add(groupScope);
          key = "COALESCE(g.subject_id, '')";
        }
      }
      String period = periodColumn == null ? "''" : "u." + periodColumn;
      StringBuilder sql = new StringBuilder("SELECT ").append(period).append(", ").append(currency).append(", ").append(key)
          .append(", SUM(u.amount), ").append(count).append(" FROM ").append(from).append(" WHERE ").append(range);
      args.addAll(rangeArgs);
      filter.forEach((scope, id) -> {
        String column = LedgerRows.column(scope);
        sql.append(column != null
            ? " AND u." + column + " = ?"
            : " AND EXISTS (SELECT 1 FROM usage_entry_subject f WHERE f.entry_id = u.id AND f.scope = ? AND f.subject_id = ?)");
        if (column == null) {
          args.add(scope);
        }
        args.add(id);
      });
      sql.append(" GROUP BY ").append(periodColumn == null ? "" : period + ", ").append(currency)
          .append(groupScope == null ? "" : ", " + key);
      return new Selection(sql.toString(), args);
    }

    private String orEmpty(String column) {
      return nullable ? "COALESCE(" + column + ", '')" : column;
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
    String groupScope = groupBy == GroupBy.NONE ? null : groupBy.wireName();
    Selection q = Source.RAW.select(null, groupScope, where, "u.at >= ? AND u.at < ?", List.of(from, to));
    String label = Jdbc.micros(from) + "/" + Jdbc.micros(to);
    return Jdbc.read(ds, "summing costs", c -> {
      try (PreparedStatement ps = c.prepareStatement(q.sql())) {
        Jdbc.bind(ps, q.args());
        try (ResultSet rs = ps.executeQuery()) {
          TreeMap<List<String>, CostRow> rows = new TreeMap<>(BY_PERIOD_KEY_CURRENCY);
          while (rs.next()) {
            String cur = rs.getString(2);
            String k = rs.getString(3);
            rows.put(List.of(label, k, cur),
                new CostRow(label, orNull(k), orNull(cur), MoneyTotal.of(rs.getBigDecimal(4)), rs.getLong(5)));
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
            Subject.validateScope("filter." + scope, scope);
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
