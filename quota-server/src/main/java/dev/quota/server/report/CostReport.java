package dev.quota.server.report;

import dev.quota.Money;
import dev.quota.ledger.UsageEntry;
import dev.quota.ledger.UsageLedger;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Costs from the usage ledger, summed exactly per group: per provider, tool, subject (identifier of
 * the report's scope), calendar day or month. Entries without the grouping scope fall under "-".
 */
public final class CostReport {
  /** One group's totals. */
  public record Row(String group, Money cost, long entries, Money overrun) {}

  /** How rows are grouped. */
  public enum GroupBy {
    PROVIDER, TOOL, SUBJECT, DAY, MONTH;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private CostReport() {}

  /**
   * @param scope the scope to report on; with {@code id}, only that subject's entries, without it,
   *     entries of every subject of that scope (null: every entry)
   */
  public static List<Row> build(UsageLedger ledger, String scope, String id, GroupBy groupBy, Instant from, Instant to, ZoneId zone) {
    Map<String, String> filter = scope != null && id != null ? Map.of(scope, id) : Map.of();
    Function<UsageEntry, String> key = switch (groupBy) {
      case PROVIDER -> e -> e.subjects().getOrDefault("provider", "-");
      case TOOL -> e -> e.subjects().getOrDefault("tool", "-");
      case SUBJECT -> e -> scope == null ? "-" : scope + ":" + e.subjects().getOrDefault(scope, "-");
      case DAY -> e -> DateTimeFormatter.ISO_LOCAL_DATE.format(e.at().atZone(zone));
      case MONTH -> e -> DateTimeFormatter.ofPattern("yyyy-MM").format(e.at().atZone(zone));
    };
    Map<String, long[]> sums = new TreeMap<>();
    for (UsageEntry e : ledger.entries(filter, from, to)) {
      if (scope != null && id == null && !e.subjects().containsKey(scope)) {
        continue;
      }
      long[] s = sums.computeIfAbsent(key.apply(e), k -> new long[3]);
      s[0] = Math.addExact(s[0], e.amount().nanos());
      s[1]++;
      s[2] = Math.addExact(s[2], e.overrun().nanos());
    }
    return sums.entrySet().stream()
        .map(x -> new Row(x.getKey(), Money.ofNanos(x.getValue()[0]), x.getValue()[1], Money.ofNanos(x.getValue()[2])))
        .toList();
  }

  /** RFC 4180 CSV with a header line; group values are quoted when they need it. */
  public static String csv(GroupBy groupBy, List<Row> rows) {
    StringBuilder sb = new StringBuilder(groupBy.wireName()).append(",cost,entries,overrun\r\n");
    for (Row r : rows) {
      sb.append(csvField(r.group())).append(',').append(r.cost().toPlainString()).append(',')
          .append(r.entries()).append(',').append(r.overrun().toPlainString()).append("\r\n");
    }
    return sb.toString();
  }

  private static String csvField(String s) {
    // A leading formula character would be executed by spreadsheets: neutralise it.
    String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 && !s.equals("-") ? "'" + s : s;
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
