package dev.quota.jdbc.internal;

import dev.quota.ledger.UsageEntry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * A batch of ledger rows as one array per column, inserted on PostgreSQL by a single
 * {@code INSERT ... SELECT FROM unnest(...)} statement.
 *
 * <p>{@link #insertCommitted} runs it as a transaction of its own: one round trip, and the commit
 * has been flushed when it returns. It first tries a plain {@code INSERT}: {@code ON CONFLICT}
 * costs the server a speculative insertion per row (a second probe of each unique index and an
 * extra WAL record, about 40% more work per row), for repeats that hardly ever come. Only when a
 * unique key is already taken does it run again with {@code ON CONFLICT DO NOTHING}.
 *
 * <p>Why not a JDBC batch: even rewritten into multi-row {@code VALUES}, a batch binds fourteen
 * parameters per row and the server plans one statement text per batch size. Fourteen arrays make
 * one statement whatever the batch size, so the server prepares it once per connection, and the
 * client sends every value as text it builds itself. The same unique keys and
 * {@code ON CONFLICT DO NOTHING} apply, also between rows of the same batch.
 */
public final class LedgerColumns {
  /** Rows none of whose keys exist yet; fails with SQLSTATE 23505 otherwise. */
  static final String INSERT_NEW =
      "INSERT INTO usage_entry (id, at, usage_day, user_id, team_id, project_id, tool_id, provider_id,"
          + " subjects, amount, meters, reservation_id, idempotency_key, overrun)"
          + " SELECT * FROM unnest(?::varchar[], ?::timestamptz[], ?::date[], ?::varchar[], ?::varchar[],"
          + " ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::numeric[], ?::varchar[], ?::varchar[],"
          + " ?::varchar[], ?::numeric[])";

  /** Skips every row whose id, reservation id or idempotency key exists, in the table or earlier in the batch. */
  public static final String INSERT = INSERT_NEW + " ON CONFLICT DO NOTHING";

  private static final String UNIQUE_VIOLATION = "23505";
  private static final int COLUMNS = 14;

  private LedgerColumns() {}

  /**
   * Inserts {@code entries} in one statement on {@code c}, which must be in auto-commit mode, so the
   * rows are committed when it returns; rows whose keys exist already are skipped.
   *
   * @return how many rows were inserted
   */
  public static int insertCommitted(Connection c, List<UsageEntry> entries) throws SQLException {
    Array[] columns = columns(c, entries);
    try (PreparedStatement ps = c.prepareStatement(INSERT_NEW)) {
      bind(ps, columns);
      return ps.executeUpdate();
    } catch (SQLException e) {
      if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw e;
      }
    }
    // A repeat: the failed statement rolled back on its own, so nothing of it was kept.
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      bind(ps, columns);
      return ps.executeUpdate();
    }
  }

  /** Binds {@code entries} to {@link #INSERT} prepared on {@code c}. */
  public static void bind(Connection c, PreparedStatement ps, List<UsageEntry> entries) throws SQLException {
    bind(ps, columns(c, entries));
  }

  private static void bind(PreparedStatement ps, Array[] columns) throws SQLException {
    for (int i = 0; i < COLUMNS; i++) {
      ps.setArray(i + 1, columns[i]);
    }
  }

  private static Array[] columns(Connection c, List<UsageEntry> entries) throws SQLException {
    int n = entries.size();
    String[][] cols = new String[COLUMNS][n];
    for (int r = 0; r < n; r++) {
      UsageEntry e = entries.get(r);
      Map<String, String> s = e.subjects();
      java.time.Instant at = Jdbc.micros(e.at());
      cols[0][r] = e.id();
      cols[1][r] = at.toString();
      cols[2][r] = at.atOffset(ZoneOffset.UTC).toLocalDate().toString();
      for (int i = 0; i < LedgerRows.COLUMN_SCOPES.size(); i++) {
        cols[3 + i][r] = s.get(LedgerRows.COLUMN_SCOPES.get(i));
      }
      cols[8][r] = LedgerRows.subjectsText(s);
      cols[9][r] = LedgerRows.decimalText(e.amount());
      cols[10][r] = LedgerRows.metersJson(e.meters());
      cols[11][r] = e.reservationId();
      cols[12][r] = e.idempotencyKey();
      cols[13][r] = LedgerRows.decimalText(e.overrun());
    }
    Array[] arrays = new Array[COLUMNS];
    for (int i = 0; i < COLUMNS; i++) {
      arrays[i] = c.createArrayOf("varchar", cols[i]);
    }
    return arrays;
  }
}
