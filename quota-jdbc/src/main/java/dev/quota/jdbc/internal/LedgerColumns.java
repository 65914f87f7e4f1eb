package dev.quota.jdbc.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;

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
 * <p>Why not a JDBC batch: even rewritten into multi-row {@code VALUES}, a batch binds seventeen
 * parameters per row and the server plans one statement text per batch size. Seventeen arrays make
 * one statement whatever the batch size, so the server prepares it once per connection, and the
 * client sends every array in binary, from values each caller encoded for itself
 * ({@link LedgerRow}). The same unique keys and {@code ON CONFLICT DO NOTHING} apply, also between
 * rows of the same batch.
 */
public final class LedgerColumns {
  /**
   * Rows none of whose keys exist yet; fails with SQLSTATE 23505 otherwise. A time is the UTC day
   * plus the microsecond of the day (a reservation's time, null for none, stays null), and money is
   * nano-units times 10^-9: exact integer arithmetic.
   */
  static final String INSERT_NEW =
      "INSERT INTO usage_entry (id, at, usage_day, user_id, team_id, project_id, tool_id, provider_id,"
          + " subjects, amount, meters, reservation_id, idempotency_key, overrun, reserved_at, currency)"
          + " SELECT r.id, (DATE '1970-01-01' + r.day + r.micro_of_day * INTERVAL '1 microsecond') AT TIME ZONE 'UTC',"
          + " DATE '1970-01-01' + r.day, r.user_id, r.team_id, r.project_id, r.tool_id, r.provider_id, r.subjects,"
          + " r.amount_nanos * 0.000000001, r.meters, r.reservation_id, r.idempotency_key, r.overrun_nanos * 0.000000001,"
          + " (DATE '1970-01-01' + r.reserved_day + r.reserved_micro_of_day * INTERVAL '1 microsecond') AT TIME ZONE 'UTC',"
          + " r.currency"
          + " FROM unnest(?::varchar[], ?::int4[], ?::int8[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],"
          + " ?::varchar[], ?::varchar[], ?::int8[], ?::varchar[], ?::varchar[], ?::varchar[], ?::int8[], ?::int4[],"
          + " ?::int8[], ?::varchar[])"
          + " AS r(id, day, micro_of_day, user_id, team_id, project_id, tool_id, provider_id, subjects, amount_nanos,"
          + " meters, reservation_id, idempotency_key, overrun_nanos, reserved_day, reserved_micro_of_day, currency)";

  /** Skips every row whose id, reservation id or idempotency key exists, in the table or earlier in the batch. */
  public static final String INSERT = INSERT_NEW + " ON CONFLICT DO NOTHING";

  private static final String UNIQUE_VIOLATION = "23505";
  private static final int COLUMNS = 17;

  private LedgerColumns() {}

  /**
   * Inserts {@code rows} in one statement on {@code c}, which must be in auto-commit mode, so the
   * rows are committed when it returns; rows whose keys exist already are skipped.
   *
   * @return how many rows were inserted
   */
  public static int insertCommitted(Connection c, List<LedgerRow> rows) throws SQLException {
    Array[] columns = columns(c, rows);
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

  /** Binds {@code rows} to {@link #INSERT} prepared on {@code c}. */
  public static void bind(Connection c, PreparedStatement ps, List<LedgerRow> rows) throws SQLException {
    bind(ps, columns(c, rows));
  }

  private static void bind(PreparedStatement ps, Array[] columns) throws SQLException {
    for (int i = 0; i < COLUMNS; i++) {
      ps.setArray(i + 1, columns[i]);
    }
  }

  private static Array[] columns(Connection c, List<LedgerRow> rows) throws SQLException {
    int n = rows.size();
    String[] ids = new String[n];
    int[] days = new int[n];
    long[] microsOfDay = new long[n];
    String[][] scopeIds = new String[LedgerRows.COLUMN_SCOPES.size()][n];
    String[] subjects = new String[n];
    long[] amounts = new long[n];
    String[] meters = new String[n];
    String[] reservationIds = new String[n];
    String[] idempotencyKeys = new String[n];
    long[] overruns = new long[n];
    // Boxed: a row without a reservation time has nulls.
    Integer[] reservedDays = new Integer[n];
    Long[] reservedMicrosOfDay = new Long[n];
    String[] currencies = new String[n];
    for (int r = 0; r < n; r++) {
      LedgerRow row = rows.get(r);
      ids[r] = row.entry.id();
      days[r] = row.epochDay;
      microsOfDay[r] = row.microOfDay;
      for (int i = 0; i < scopeIds.length; i++) {
        scopeIds[i][r] = row.scopeIds[i];
      }
      subjects[r] = row.subjects;
      amounts[r] = row.amountNanos;
      meters[r] = row.meters;
      reservationIds[r] = row.entry.reservationId();
      idempotencyKeys[r] = row.entry.idempotencyKey();
      overruns[r] = row.overrunNanos;
      reservedDays[r] = row.reservedEpochDay;
      reservedMicrosOfDay[r] = row.reservedMicroOfDay;
      currencies[r] = row.currency;
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    Array[] a = new Array[COLUMNS];
    int i = 0;
    a[i++] = pg.createArrayOf("varchar", ids);
    a[i++] = pg.createArrayOf("int4", days);
    a[i++] = pg.createArrayOf("int8", microsOfDay);
    for (String[] column : scopeIds) {
      a[i++] = pg.createArrayOf("varchar", column);
    }
    a[i++] = pg.createArrayOf("varchar", subjects);
    a[i++] = pg.createArrayOf("int8", amounts);
    a[i++] = pg.createArrayOf("varchar", meters);
    a[i++] = pg.createArrayOf("varchar", reservationIds);
    a[i++] = pg.createArrayOf("varchar", idempotencyKeys);
    a[i++] = pg.createArrayOf("int8", overruns);
    a[i++] = pg.createArrayOf("int4", reservedDays);
    a[i++] = pg.createArrayOf("int8", reservedMicrosOfDay);
    a[i++] = pg.createArrayOf("varchar", currencies);
    return a;
  }
}
