package dev.quota.jdbc;

import dev.quota.MoneyTotal;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The ledger's reads: the sum and the list of raw entries for some subjects in a time range, and
 * one entry by a unique key. They see only what is in the database; the ledger replays its spool first.
 */
final class LedgerQueries {
  private static final String COLUMNS =
      "id, at, subjects, amount, meters, reservation_id, idempotency_key, overrun, reserved_at, currency";

  private final DataSource ds;
  /**
   * How long a lookup by key waits, in whole seconds, on PostgreSQL; 0 on H2, which bounds lock
   * waits itself and whose statement timeout, a session setting, would stay on the shared
   * connection.
   */
  private final int lookupTimeoutSeconds;

  /** Reads on {@code database}'s shared pool; a lookup by key waits at most {@code lookupTimeout}, rounded up to seconds. */
  LedgerQueries(Database database, Duration lookupTimeout) {
    this.ds = database.dataSource();
    this.lookupTimeoutSeconds = database.engine() == Database.Engine.POSTGRESQL
        ? (int) Math.max(1, Jdbc.secondsRoundedUp(lookupTimeout))
        : 0;
  }

  /**
   * By when each row was charged: a commit's reservation time, else its own. A reservation is made
   * before its commit, so a row charged from {@code from} on was also written from then on, which
   * lets the lookup by subject and time start at {@code from}.
   */
  MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    return sum(charged(subjects, from, to));
  }

  /**
   * As {@link #spent(Map, Instant, Instant)}, of the rows in {@code currency} or in none: those a
   * budget in {@code currency} counted (a row charged to budgets of different currencies has none,
   * and each of them counted it).
   */
  MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
    Objects.requireNonNull(currency, "currency");
    Filter f = charged(subjects, from, to);
    List<Object> args = new ArrayList<>(f.args);
    args.add(currency);
    return sum(new Filter(f.sql + " AND (currency = ? OR currency IS NULL)", args));
  }

  private static Filter charged(Map<String, String> subjects, Instant from, Instant to) {
    requireRange(from, to);
    return filter(
        subjects, "COALESCE(reserved_at, at) >= ? AND COALESCE(reserved_at, at) < ? AND at >= ?", from, to, from);
  }

  private MoneyTotal sum(Filter f) {
    return Jdbc.read(ds, "summing ledger entries", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT SUM(amount) FROM usage_entry WHERE " + f.sql)) {
        Jdbc.bind(ps, f.args);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return MoneyTotal.of(rs.getBigDecimal(1));
        }
      }
    });
  }

  List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    requireRange(from, to);
    Filter f = filter(subjects, "at >= ? AND at < ?", from, to);
    return Jdbc.read(ds, "reading ledger entries", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT " + COLUMNS + " FROM usage_entry WHERE " + f.sql + " ORDER BY at, id")) {
        Jdbc.bind(ps, f.args);
        try (ResultSet rs = ps.executeQuery()) {
          List<UsageEntry> out = new ArrayList<>();
          while (rs.next()) {
            out.add(entry(rs));
          }
          return out;
        }
      }
    });
  }

  /**
   * The entry whose {@code column}, one of the unique keys, is {@code value}; null if none. Asked
   * while usage is recorded or committed, so it waits no longer than a write would: on PostgreSQL
   * the driver cancels it after the lookup timeout (a read waits only behind a lock that takes
   * the whole table, as a migration does), which fails it (SQLSTATE 57014).
   *
   * @throws DatabaseException if it failed or was cancelled
   */
  UsageEntry byUniqueKey(String column, String value) {
    return Jdbc.read(ds, "finding a ledger entry", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM usage_entry WHERE " + column + " = ?")) {
        // Set on the statement, not the session: the shared pool's other reads (reports) may run long.
        ps.setQueryTimeout(lookupTimeoutSeconds);
        ps.setString(1, value);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? entry(rs) : null;
        }
      }
    });
  }

  private static UsageEntry entry(ResultSet rs) throws SQLException {
    return new UsageEntry(
        rs.getString("id"),
        Jdbc.getInstant(rs, "at"),
        LedgerRows.parseSubjects(rs.getString("subjects")),
        LedgerRows.money(rs.getBigDecimal("amount")),
        LedgerRows.parseMeters(rs.getString("meters")),
        rs.getString("reservation_id"),
        rs.getString("idempotency_key"),
        LedgerRows.money(rs.getBigDecimal("overrun")),
        Jdbc.getInstant(rs, "reserved_at"),
        rs.getString("currency"));
  }

  /** A {@code WHERE} clause and the arguments for its parameters, in order. */
  private record Filter(String sql, List<Object> args) {}

  private static void requireRange(Instant from, Instant to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
  }

  /** The conditions on {@code subjects}, then {@code range} on time with {@code rangeArgs} for its parameters. */
  private static Filter filter(Map<String, String> subjects, String range, Instant... rangeArgs) {
    Objects.requireNonNull(subjects, "subjects");
    StringBuilder sql = new StringBuilder();
    List<Object> args = new ArrayList<>();
    for (Map.Entry<String, String> s : new TreeMap<>(subjects).entrySet()) {
      String column = LedgerRows.column(s.getKey());
      if (column != null) {
        sql.append(column).append(" = ? AND ");
        args.add(s.getValue());
      } else {
        sql.append("subjects LIKE ? ESCAPE '\\' AND ");
        args.add(LedgerRows.subjectPattern(s.getKey(), s.getValue()));
      }
    }
    sql.append(range);
    args.addAll(List.of(rangeArgs));
    return new Filter(sql.toString(), args);
  }
}
