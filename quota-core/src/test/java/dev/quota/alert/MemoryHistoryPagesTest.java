package dev.quota.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.MemoryConfigRepository;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The histories in memory page as the database's do: from the position of the previous page's
 * last row, newest first, untouched by rows stored in between (see {@code HistoryPagesTest} in
 * quota-jdbc for the database's).
 */
class MemoryHistoryPagesTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void alertsAfterAPositionAreTheOlderOnesAndTheSameTimesSmallerIds() {
    MemoryAlertHistory history = new MemoryAlertHistory();
    Alert a1 = SampleAlerts.numbered(1, T0);
    Alert a2 = SampleAlerts.numbered(2, T0.plusSeconds(1));
    Alert a3 = SampleAlerts.numbered(3, T0.plusSeconds(1));
    Alert a4 = SampleAlerts.numbered(4, T0.plusSeconds(2));
    List.of(a2, a4, a1, a3).forEach(history::append);

    List<Alert> first = history.queryAfter(null, null, null, null, null, 2);
    assertThat(first).containsExactly(a4, a3);
    history.append(SampleAlerts.numbered(5, T0.plusSeconds(3)));
    assertThat(history.queryAfter(null, null, null, null, AlertPosition.of(first.get(1)), 2)).containsExactly(a2, a1);
    assertThat(history.queryAfter("user:u1", null, null, null, AlertPosition.of(a3), 10)).containsExactly(a1);
  }

  @Test
  void aNegativeOffsetOrAnOutOfRangeLimitIsRefusedNamingIt() {
    MemoryAlertHistory history = new MemoryAlertHistory();
    history.append(SampleAlerts.numbered(1, T0));
    assertThatThrownBy(() -> history.query(null, null, null, null, -1, 10))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("offset"));
    assertThatThrownBy(() -> history.query(null, null, null, null, 0, -1))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("limit"));
    assertThatThrownBy(() -> history.queryAfter(null, null, null, null, null, -1))
        .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.field()).isEqualTo("limit"));
  }

  @Test
  void auditEntriesOlderThanAnIdAreTheOnesRecordedBeforeIt() {
    MemoryConfigRepository repo = new MemoryConfigRepository();
    for (int i = 1; i <= 4; i++) {
      reset(repo, "entry " + i);
    }
    List<AuditEntry> first = repo.audit(AuditQuery.latest(2));
    assertThat(first).extracting(AuditEntry::reason).containsExactly("entry 4", "entry 3");
    reset(repo, "newer");
    assertThat(repo.audit(new AuditQuery(null, null, null, null, null, 0, 2, first.get(1).id())))
        .extracting(AuditEntry::reason).containsExactly("entry 2", "entry 1");
  }

  private static void reset(MemoryConfigRepository repo, String reason) {
    repo.putSubjectReset(Subject.of("user", "alice"), T0,
        new AuditEntry(0, T0, "alice", "subject.reset", "user:alice", null, null, reason));
  }
}
