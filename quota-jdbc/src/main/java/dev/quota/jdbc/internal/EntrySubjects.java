package dev.quota.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

/**
 * An entry's subjects of scopes without a column of their own ({@code org:acme}), one
 * {@code usage_entry_subject} row each, written in the transaction that writes the entry, so no
 * entry is ever stored without them. Entries that name none (the usual case) cost nothing.
 */
public final class EntrySubjects {
  static final String INSERT = "INSERT INTO usage_entry_subject (entry_id, usage_day, scope, subject_id) VALUES (?, ?, ?, ?)";

  private EntrySubjects() {}

  /** Writes the subjects of {@code inserted}, rows this transaction has just inserted, as one JDBC batch. */
  public static void insert(Connection c, List<LedgerRow> inserted) throws SQLException {
    if (inserted.stream().noneMatch(LedgerRow::hasOtherSubjects)) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (LedgerRow r : inserted) {
        for (int i = 0; i < r.otherScopes.length; i++) {
          ps.setString(1, r.entry.id());
          ps.setObject(2, LocalDate.ofEpochDay(r.epochDay));
          ps.setString(3, r.otherScopes[i]);
          ps.setString(4, r.otherIds[i]);
          ps.addBatch();
        }
      }
      ps.executeBatch();
    }
  }
}
