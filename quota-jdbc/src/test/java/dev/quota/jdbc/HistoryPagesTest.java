package dev.quota.jdbc;

import static dev.quota.jdbc.JdbcAlertHistoryTest.AT_T0;
import static dev.quota.jdbc.JdbcAlertHistoryTest.alert;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertPosition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Paging through the alert history and the audit trail, newest first, while new rows are stored
 * between pages. Each new row shifts every offset by one, so the page at the next offset repeats
 * the previous page's last row; a page that starts after the previous page's last row is what
 * the list held, each row once.
 */
class HistoryPagesTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Backend.class)
  void alertPagesAfterThePreviousPagesLastAlertNeitherRepeatNorSkip(Backend backend) {
    try (var t = backend.open(dir)) {
      var history = new JdbcAlertHistory(t.db, AT_T0);
      // Two alerts fired in the same minute, ordered by id: the position holds both.
      List<Alert> before = List.of(
          alert("a5", 4, "user:alice", "0.8"), alert("a4", 3, "user:alice", "0.8"), alert("a3b", 2, "user:bob", "0.8"),
          alert("a3a", 2, "user:alice", "0.8"), alert("a2", 1, "user:alice", "0.8"), alert("a1", 0, "user:alice", "0.8"));
      before.forEach(history::append);

      List<Alert> first = history.queryAfter(null, null, null, null, null, 3);
      assertThat(first).containsExactlyElementsOf(before.subList(0, 3));
      history.append(alert("new1", 10, "user:alice", "0.9"));
      history.append(alert("new2", 11, "user:bob", "0.9"));

      assertThat(history.query(null, null, null, null, 3, 3)).as("by offset").startsWith(before.get(1));
      List<Alert> read = new ArrayList<>(first);
      AlertPosition after = AlertPosition.of(first.get(2));
      while (true) {
        List<Alert> page = history.queryAfter(null, null, null, null, after, 3);
        read.addAll(page);
        if (page.size() < 3) {
          break;
        }
        after = AlertPosition.of(page.get(page.size() - 1));
      }
      assertThat(read).containsExactlyElementsOf(before);
      assertThat(history.queryAfter("user:alice", null, null, null, AlertPosition.of(before.get(1)), 10))
          .containsExactly(before.get(3), before.get(4), before.get(5));
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void auditPagesOlderThanThePreviousPagesLastEntryNeitherRepeatNorSkip(Backend backend) throws SQLException {
    try (var t = backend.open(dir)) {
      var repo = new JdbcConfigRepository(t.db);
      for (int i = 1; i <= 5; i++) {
        record(t.db, "entry " + i);
      }
      List<AuditEntry> first = repo.audit(new AuditQuery(null, null, null, null, null, 0, 2));
      assertThat(first).extracting(AuditEntry::reason).containsExactly("entry 5", "entry 4");
      record(t.db, "new 1");
      record(t.db, "new 2");

      assertThat(repo.audit(new AuditQuery(null, null, null, null, null, 2, 2))).as("by offset")
          .extracting(AuditEntry::reason).containsExactly("entry 5", "entry 4");
      List<AuditEntry> read = new ArrayList<>(first);
      long olderThan = first.get(1).id();
      while (true) {
        List<AuditEntry> page = repo.audit(new AuditQuery(null, null, null, null, null, 0, 2, olderThan));
        read.addAll(page);
        if (page.size() < 2) {
          break;
        }
        olderThan = page.get(page.size() - 1).id();
      }
      assertThat(read).extracting(AuditEntry::reason).containsExactly("entry 5", "entry 4", "entry 3", "entry 2", "entry 1");
    }
  }

  private static void record(Database db, String reason) throws SQLException {
    try (Connection c = db.connection()) {
      JdbcConfigRepository.insertAudit(
          c, new AuditEntry(0, Instant.parse("2025-03-01T10:00:00Z"), "alice", "policy.update", "user:*", null, "{}", reason));
    }
  }
}
