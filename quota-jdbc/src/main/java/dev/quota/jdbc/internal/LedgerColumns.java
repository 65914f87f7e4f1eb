package dev.quota.jdbc.internal;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 *
 * <p>A batch with subjects of scopes without a column ({@code org:acme}) writes them in the same
 * statement, from three more arrays, into {@code usage_entry_subject}: still one round trip, and
 * an entry is never committed without them. A batch without any runs the plain insert.
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
  static final String INSERT = INSERT_NEW + " ON CONFLICT DO NOTHING";

  /**
   * {@code insertEntries}, and in the same statement the subjects of scopes without a column of
   * the entries it inserted ({@link EntrySubjects}), from three more arrays: entry id, scope and
   * identifier. An entry it skips as a repeat has its subjects already. Answers how many entries
   * it inserted.
   */
  private static String withSubjects(String insertEntries) {
    return "WITH e AS (" + insertEntries + " RETURNING id, usage_day),"
        + " s AS (INSERT INTO usage_entry_subject (entry_id, usage_day, scope, subject_id)"
        + " SELECT e.id, e.usage_day, x.scope, x.subject_id FROM e"
        + " JOIN unnest(?::varchar[], ?::varchar[], ?::varchar[]) AS x(entry_id, scope, subject_id) ON x.entry_id = e.id)"
        + " SELECT COUNT(*) FROM e";
  }

  static final String INSERT_NEW_WITH_SUBJECTS = withSubjects(INSERT_NEW);
  static final String INSERT_WITH_SUBJECTS = withSubjects(INSERT);

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
    try {
      return run(c, rows, columns, false);
    } catch (SQLException e) {
      if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
        throw e;
      }
    }
    // A repeat: the failed statement rolled back on its own, so nothing of it was kept.
    return run(c, rows, columns, true);
  }

  /**
   * Inserts {@code rows} in one statement in {@code c}'s transaction, skipping rows whose keys
   * exist already.
   *
   * @return how many rows were inserted
   */
  public static int insert(Connection c, List<LedgerRow> rows) throws SQLException {
    return run(c, rows, columns(c, rows), true);
  }

  private static int run(Connection c, List<LedgerRow> rows, Array[] columns, boolean skipRepeats) throws SQLException {
    if (rows.stream().noneMatch(LedgerRow::hasOtherSubjects)) {
      try (PreparedStatement ps = c.prepareStatement(skipRepeats ? INSERT : INSERT_NEW)) {
        bind(ps, columns);
        return ps.executeUpdate();
      }
    }
    try (PreparedStatement ps = c.prepareStatement(skipRepeats ? INSERT_WITH_SUBJECTS : INSERT_NEW_WITH_SUBJECTS)) {
      bind(ps, columns);
      Array[] subjects = subjectColumns(c, rows);
      for (int i = 0; i < subjects.length; i++) {
        ps.setArray(COLUMNS + i + 1, subjects[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void bind(PreparedStatement ps, Array[] columns) throws SQLException {
    for (int i = 0; i < COLUMNS; i++) {
      ps.setArray(i + 1, columns[i]);
    }
  }

  /**
   * Entry id, scope and identifier of every subject without a column, of each entry's first row
   * in the batch: a later row with the same id is a repeat, skipped as the insert skips it.
   */
  private static Array[] subjectColumns(Connection c, List<LedgerRow> rows) throws SQLException {
    List<String> ids = new ArrayList<>();
    List<String> scopes = new ArrayList<>();
    List<String> subjectIds = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (LedgerRow r : rows) {
      if (r.hasOtherSubjects() && seen.add(r.entry.id())) {
        for (int i = 0; i < r.otherScopes.length; i++) {
          ids.add(r.entry.id());
          scopes.add(r.otherScopes[i]);
          subjectIds.add(r.otherIds[i]);
        }
      }
    }
    PGConnection pg = c.unwrap(PGConnection.class);
    return new Array[] {
      pg.createArrayOf("varchar", ids.toArray(new String[0])),
      pg.createArrayOf("varchar", scopes.toArray(new String[0])),
      pg.createArrayOf("varchar", subjectIds.toArray(new String[0]))
    };
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
