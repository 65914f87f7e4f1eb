package dev.quota.jdbc;

import dev.quota.Subject;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one batch's late rows (rows of days already rolled up) add to {@code usage_daily}, and to
 * {@code usage_daily_subject} for their subjects of scopes without a column, gathered per rollup
 * row and written after the batch's own rows, in the order of the rollups' keys.
 *
 * <p>Two batches, from two writers or two processes, may add to the same rollup row at once, and
 * the row may not exist yet. On PostgreSQL each addition is one {@code INSERT ... ON CONFLICT DO
 * UPDATE}, which creates the row or adds to it whichever batch comes first: an update that found
 * nothing followed by an insert failed the later batch with a unique violation. Writing the rollups
 * last, table by table and in key order, means two batches lock the rows they share in the same
 * order, so they wait for each other instead of deadlocking. H2, where one process writes through
 * one writer, keeps its update, then insert.
 */
final class LateRollups {
  /** A rollup table: the day, then the text columns of its key ('' for none), then amount and entries. */
  private enum Table {
    BUILT_IN_SCOPES("usage_daily", List.of("user_id", "team_id", "project_id", "tool_id", "provider_id", "currency")),
    OTHER_SCOPES("usage_daily_subject", List.of("scope", "subject_id", "tool_id", "provider_id", "currency"));

    final String upsert;
    final String update;
    final String insert;
    final int keyColumns;

    Table(String name, List<String> texts) {
      String keys = "usage_day, " + String.join(", ", texts);
      String values = String.join(", ", Collections.nCopies(texts.size() + 3, "?"));
      this.keyColumns = texts.size() + 1;
      this.insert = "INSERT INTO " + name + " (" + keys + ", amount, entries) VALUES (" + values + ")";
      this.upsert = insert + " ON CONFLICT (" + keys + ") DO UPDATE"
          + " SET amount = " + name + ".amount + EXCLUDED.amount, entries = " + name + ".entries + EXCLUDED.entries";
      this.update = "UPDATE " + name + " SET amount = amount + ?, entries = entries + ? WHERE usage_day = ? AND "
          + String.join(" = ? AND ", texts) + " = ?";
    }
  }

  /** A rollup row's key: its table, day and text columns. */
  private record Key(Table table, LocalDate day, List<String> texts) {
    private static final Comparator<Key> ORDER = Comparator.comparing(Key::table)
        .thenComparing(Key::day)
        .thenComparing(Key::texts, Key::compareTexts);

    private static int compareTexts(List<String> a, List<String> b) {
      for (int i = 0; i < a.size(); i++) {
        int c = a.get(i).compareTo(b.get(i));
        if (c != 0) {
          return c;
        }
      }
      return 0;
    }

    /** Binds the key's columns from {@code first} on, in the table's order. */
    void bind(PreparedStatement ps, int first) throws SQLException {
      ps.setObject(first, day);
      int i = first + 1;
      for (String s : texts) {
        ps.setString(i++, s);
      }
    }
  }

  private static final class Addition {
    BigDecimal amount = BigDecimal.ZERO;
    long entries;
  }

  private final Map<Key, Addition> additions = new TreeMap<>(Key.ORDER);

  /** Counts {@code e}, a row just inserted, in its day's rollups. */
  void add(UsageEntry e) {
    LocalDate day = RollupWatermark.day(e.at());
    String currency = e.currency() == null ? "" : e.currency();
    List<String> builtIn = new ArrayList<>(LedgerRows.COLUMN_SCOPES.size() + 1);
    for (String scope : LedgerRows.COLUMN_SCOPES) {
      builtIn.add(e.subjects().getOrDefault(scope, ""));
    }
    builtIn.add(currency);
    add(new Key(Table.BUILT_IN_SCOPES, day, List.copyOf(builtIn)), e);
    String tool = e.subjects().getOrDefault(Subject.TOOL, "");
    String provider = e.subjects().getOrDefault(Subject.PROVIDER, "");
    LedgerRows.otherSubjects(e.subjects()).forEach((scope, id) ->
        add(new Key(Table.OTHER_SCOPES, day, List.of(scope, id, tool, provider, currency)), e));
  }

  private void add(Key key, UsageEntry e) {
    Addition a = additions.computeIfAbsent(key, k -> new Addition());
    a.amount = a.amount.add(LedgerRows.decimal(e.amount()));
    a.entries++;
  }

  /** Adds what was counted to the rollups, in {@code c}'s transaction, in key order. */
  void write(Connection c, Database.Engine engine) throws SQLException {
    if (engine != Database.Engine.POSTGRESQL) {
      for (Map.Entry<Key, Addition> a : additions.entrySet()) {
        updateOrInsert(c, a.getKey(), a.getValue());
      }
      return;
    }
    for (Table table : Table.values()) {
      PreparedStatement ps = null;
      try {
        for (Map.Entry<Key, Addition> a : additions.entrySet()) {
          if (a.getKey().table() == table) {
            if (ps == null) {
              ps = c.prepareStatement(table.upsert);
            }
            bindInsert(ps, a.getKey(), a.getValue());
            ps.executeUpdate();
          }
        }
      } finally {
        if (ps != null) {
          ps.close();
        }
      }
    }
  }

  private static void bindInsert(PreparedStatement ps, Key key, Addition a) throws SQLException {
    key.bind(ps, 1);
    ps.setBigDecimal(key.table().keyColumns + 1, a.amount);
    ps.setLong(key.table().keyColumns + 2, a.entries);
  }

  private static void updateOrInsert(Connection c, Key key, Addition a) throws SQLException {
    try (PreparedStatement up = c.prepareStatement(key.table().update)) {
      up.setBigDecimal(1, a.amount);
      up.setLong(2, a.entries);
      key.bind(up, 3);
      if (up.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement in = c.prepareStatement(key.table().insert)) {
      bindInsert(in, key, a);
      in.executeUpdate();
    }
  }
}
