package db.migration;

import dev.quota.jdbc.internal.LedgerRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.Map;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Fills {@code usage_entry_subject} (V12) for the ledger rows stored before it, from each row's
 * {@code subjects} text, so reports on a scope without a column cover them too. Only rows that
 * name more subjects than they have built-in columns set are read, in batches of inserts: a ledger
 * of built-in scopes alone is one scan that writes nothing.
 *
 * <p>Java, one for both engines: splitting the text into rows has no SQL both H2 and PostgreSQL
 * understand. It reads through the parser the ledger itself reads rows with.
 */
public class V13__ledger_entry_subjects_of_stored_rows extends BaseJavaMigration {
  private static final int BATCH = 1_000;
  private static final String BUILT_IN_COLUMNS_SET =
      "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
          + " + (CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN tool_id IS NULL THEN 0 ELSE 1 END)"
          + " + (CASE WHEN provider_id IS NULL THEN 0 ELSE 1 END)";

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    // The text holds one line per subject, each ended by a newline after the leading one.
    String select = "SELECT id, usage_day, subjects FROM usage_entry"
        + " WHERE LENGTH(subjects) - LENGTH(REPLACE(subjects, ?, '')) - 1 > " + BUILT_IN_COLUMNS_SET;
    try (PreparedStatement read = c.prepareStatement(select);
        PreparedStatement write = c.prepareStatement(
            "INSERT INTO usage_entry_subject (entry_id, usage_day, scope, subject_id) VALUES (?, ?, ?, ?)")) {
      read.setString(1, "\n");
      // Streams on PostgreSQL, inside the migration's transaction, rather than load every row.
      read.setFetchSize(BATCH);
      int pending = 0;
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          Map<String, String> others = LedgerRows.otherSubjects(LedgerRows.parseSubjects(rs.getString(3)));
          for (Map.Entry<String, String> s : others.entrySet()) {
            write.setString(1, rs.getString(1));
            write.setObject(2, rs.getObject(2, LocalDate.class));
            write.setString(3, s.getKey());
            write.setString(4, s.getValue());
            write.addBatch();
            if (++pending == BATCH) {
              write.executeBatch();
              pending = 0;
            }
          }
        }
      }
      if (pending > 0) {
        write.executeBatch();
      }
    }
  }
}
