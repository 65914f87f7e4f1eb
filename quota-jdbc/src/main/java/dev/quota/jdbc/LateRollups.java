package dev.quota.jdbc;

import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one batch's late rows (rows of days already rolled up) add to {@code usage_daily}, gathered
 * per rollup row and written after the batch's own rows, in the order of the rollups' keys.
 *
 * <p>Two batches, from two writers or two processes, may add to the same rollup row at once, and
 * the row may not exist yet. On PostgreSQL each addition is one {@code INSERT ... ON CONFLICT DO
 * UPDATE}, which creates the row or adds to it whichever batch comes first: an update that found
 * nothing followed by an insert failed the later batch with a unique violation. Writing the rollups
 * last and in key order means two batches lock the rows they share in the same order, so they wait
 * for each other instead of deadlocking. H2, where one process writes through one writer, keeps its
 * update, then insert.
 */
final class LateRollups {
  private static final String KEY_COLUMNS = "usage_day, user_id, team_id, project_id, tool_id, provider_id, currency";
  private static final String UPSERT =
      "INSERT INTO usage_daily (" + KEY_COLUMNS + ", amount, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (" + KEY_COLUMNS + ") DO UPDATE"
          + " SET amount = usage_daily.amount + EXCLUDED.amount, entries = usage_daily.entries + EXCLUDED.entries";
  private static final String UPDATE =
      "UPDATE usage_daily SET amount = amount + ?, entries = entries + ? WHERE usage_day = ? AND user_id = ? AND team_id = ?"
          + " AND project_id = ? AND tool_id = ? AND provider_id = ? AND currency = ?";
  private static final String INSERT =
      "INSERT INTO usage_daily (" + KEY_COLUMNS + ", amount, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

  /** A rollup row's key; {@code ''} stands for no subject of a scope, and for no currency. */
  private record Key(LocalDate day, List<String> subjects, String currency) {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::day)
        .thenComparing(Key::subjects, Key::compareSubjects)
        .thenComparing(Key::currency);

    static Key of(UsageEntry e) {
      List<String> subjects = new ArrayList<>(LedgerRows.COLUMN_SCOPES.size());
      for (String scope : LedgerRows.COLUMN_SCOPES) {
        subjects.add(e.subjects().getOrDefault(scope, ""));
      }
      return new Key(RollupWatermark.day(e.at()), List.copyOf(subjects), e.currency() == null ? "" : e.currency());
    }

    private static int compareSubjects(List<String> a, List<String> b) {
      for (int i = 0; i < a.size(); i++) {
        int c = a.get(i).compareTo(b.get(i));
        if (c != 0) {
          return c;
        }
      }
      return 0;
    }

    /** Binds the key's seven columns from {@code first} on, in {@link #KEY_COLUMNS}' order. */
    void bind(PreparedStatement ps, int first) throws SQLException {
      ps.setObject(first, day);
      int i = first + 1;
      for (String s : subjects) {
        ps.setString(i++, s);
      }
      ps.setString(i, currency);
    }
  }

  private static final class Addition {
    BigDecimal amount = BigDecimal.ZERO;
    long entries;
  }

  private final Map<Key, Addition> additions = new TreeMap<>(Key.ORDER);

  /** Counts {@code e}, a row just inserted, in its day's rollup. */
  void add(UsageEntry e) {
    Addition a = additions.computeIfAbsent(Key.of(e), k -> new Addition());
    a.amount = a.amount.add(LedgerRows.decimal(e.amount()));
    a.entries++;
  }

  /** Adds what was counted to the rollups, in {@code c}'s transaction, in key order. */
  void write(Connection c, Database.Engine engine) throws SQLException {
    if (additions.isEmpty()) {
      return;
    }
    if (engine == Database.Engine.POSTGRESQL) {
      try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
        for (Map.Entry<Key, Addition> a : additions.entrySet()) {
          a.getKey().bind(ps, 1);
          ps.setBigDecimal(8, a.getValue().amount);
          ps.setLong(9, a.getValue().entries);
          ps.executeUpdate();
        }
      }
      return;
    }
    for (Map.Entry<Key, Addition> a : additions.entrySet()) {
      updateOrInsert(c, a.getKey(), a.getValue());
    }
  }

  private static void updateOrInsert(Connection c, Key key, Addition a) throws SQLException {
    try (PreparedStatement up = c.prepareStatement(UPDATE)) {
      up.setBigDecimal(1, a.amount);
      up.setLong(2, a.entries);
      key.bind(up, 3);
      if (up.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement in = c.prepareStatement(INSERT)) {
      key.bind(in, 1);
      in.setBigDecimal(8, a.amount);
      in.setLong(9, a.entries);
      in.executeUpdate();
    }
  }
}
