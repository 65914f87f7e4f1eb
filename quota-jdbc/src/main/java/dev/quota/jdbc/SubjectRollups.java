package dev.quota.jdbc;

import dev.quota.Subject;
import dev.quota.jdbc.internal.LedgerRows;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a cost report on a scope without a column ({@code org}) reads days rolled up: from {@code
 * usage_daily_subject}, which keeps per day, scope and identifier the spend per tool, provider and
 * currency. It answers a report that names one such scope (filtered by one of its subjects, grouped
 * by its identifiers, or both) and otherwise only tool and provider, grouped or filtered.
 */
final class SubjectRollups {
  /** The built-in scopes whose identifiers {@code usage_daily_subject} keeps beside a subject's. */
  private static final Set<String> KEPT = Set.of(Subject.TOOL, Subject.PROVIDER);

  private final String scope;
  /** The subject of {@link #scope} the report is filtered by; null for every subject of it. */
  private final String id;
  private final String groupScope;
  /** The report's filter on tool and provider, which {@code usage_daily} answers as well. */
  final Map<String, String> builtInFilter;

  private SubjectRollups(String scope, String id, String groupScope, Map<String, String> builtInFilter) {
    this.scope = scope;
    this.id = id;
    this.groupScope = groupScope;
    this.builtInFilter = builtInFilter;
  }

  /**
   * How to read rolled-up days for a report grouped by {@code groupScope} and filtered by {@code
   * filter} that names the scopes without a column {@code others} (at least one); null when the
   * rollups cannot answer it (two such scopes, or one with a user, team or project).
   */
  static SubjectRollups of(List<String> others, String groupScope, Map<String, String> filter) {
    if (others.size() != 1) {
      return null;
    }
    String scope = others.get(0);
    if (groupScope != null && !groupScope.equals(scope) && !KEPT.contains(groupScope)) {
      return null;
    }
    Map<String, String> builtIn = new TreeMap<>();
    for (Map.Entry<String, String> f : filter.entrySet()) {
      if (!f.getKey().equals(scope)) {
        if (!KEPT.contains(f.getKey())) {
          return null;
        }
        builtIn.put(f.getKey(), f.getValue());
      }
    }
    return new SubjectRollups(scope, filter.get(scope), groupScope, builtIn);
  }

  /**
   * Whether the report groups by the scope's identifiers without picking one: then the spend of
   * entries naming none of its subjects is a group of its own, which these rollups do not hold.
   */
  boolean needsUnnamedGroup() {
    return id == null;
  }

  /**
   * {@code SELECT usage_day, currency, key, SUM(amount), SUM(entries)} of the scope's rollups of
   * days {@code [from, to)} that match the report, grouped by day, currency and key ('' for none).
   */
  CostReports.Selection select(LocalDate from, LocalDate to) {
    List<Object> args = new ArrayList<>(List.of(scope, from, to));
    String key = groupScope == null ? "''" : groupScope.equals(scope) ? "u.subject_id" : "u." + LedgerRows.column(groupScope);
    StringBuilder sql = new StringBuilder("SELECT u.usage_day, u.currency, ").append(key)
        .append(", SUM(u.amount), SUM(u.entries) FROM usage_daily_subject u")
        .append(" WHERE u.scope = ? AND u.usage_day >= ? AND u.usage_day < ?");
    if (id != null) {
      sql.append(" AND u.subject_id = ?");
      args.add(id);
    }
    builtInFilter.forEach((s, value) -> {
      sql.append(" AND u.").append(LedgerRows.column(s)).append(" = ?");
      args.add(value);
    });
    sql.append(" GROUP BY u.usage_day, u.currency").append(groupScope == null ? "" : ", " + key);
    return new CostReports.Selection(sql.toString(), args);
  }
}
