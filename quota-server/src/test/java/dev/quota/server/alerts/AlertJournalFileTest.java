package dev.quota.server.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quota.QuotaListener;
import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.alert.AlertHistory;
import dev.quota.alert.AlertPosition;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.journal.LineJournal;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert journal: what a process killed at any moment leaves in the data directory is exactly
 * the alerts it had not stored (give or take ones it stored a moment before, which are harmless
 * to resume), read back at the next start. "Killed" here means the journal is abandoned without
 * {@link AlertJournalFile#keep}, and a copy of its file, as the operating system holds it, is opened
 * in a fresh directory.
 */
class AlertJournalFileTest {
  private static final Instant T0 = Instant.parse("2026-06-15T10:00:00Z");

  @TempDir Path root;
  private Path dataDir;

  @BeforeEach
  void makeDataDir() throws IOException {
    dataDir = Files.createDirectories(root.resolve("data"));
  }

  @Test
  void anAlertIsInTheFileAsSoonAsItFiresAndDroppedOnceDone() throws Exception {
    AlertJournalFile journal = new AlertJournalFile(dataDir);
    assertThat(journal.open()).isEmpty();
    journal.fired(alert(1));
    journal.fired(alert(2));
    assertThat(resumedAfterKill()).containsExactly(alert(1), alert(2));

    journal.done(alert(1));
    assertThat(Files.readAllLines(journal.file())).hasSize(3).last().isEqualTo("done a1");
    assertThat(resumedAfterKill()).containsExactly(alert(2));

    journal.done(alert(2));
    assertThat(journal.file()).isEmptyFile(); // nothing left: emptied rather than marked
    assertThat(resumedAfterKill()).isEmpty();
    journal.fired(alert(3));
    assertThat(resumedAfterKill()).containsExactly(alert(3));
  }

  @Test
  void aResumedAlertStaysJournaledUntilDoneAndIsJournaledOnceWhenQueuedAgain() throws Exception {
    AlertJournalFile first = new AlertJournalFile(dataDir);
    first.open();
    first.fired(alert(1));
    first.fired(alert(2));
    // Killed: the next start finds both.
    AlertJournalFile next = new AlertJournalFile(dataDir);
    assertThat(next.open()).containsExactly(alert(1), alert(2));
    next.fired(alert(1)); // the engine queues what it resumes: journaled already
    next.fired(alert(2));
    assertThat(Files.readAllLines(next.file())).hasSize(2);
    next.done(alert(1));
    assertThat(resumedAfterKill()).containsExactly(alert(2));
  }

  @Test
  void finishedLinesAreRewrittenAwayWhileAnAlertStillWaits() throws Exception {
    AlertJournalFile journal = new AlertJournalFile(dataDir);
    journal.open();
    journal.fired(alert(0)); // waits, as one does while the database is away
    int maxLines = 0;
    for (int i = 1; i <= 3 * LineJournal.SLACK; i++) {
      journal.fired(alert(i));
      journal.done(alert(i));
      maxLines = Math.max(maxLines, Files.readAllLines(journal.file()).size());
    }
    assertThat(maxLines).isLessThanOrEqualTo(2 + LineJournal.SLACK + 1);
    assertThat(Files.readAllLines(journal.file())).hasSize(journal.lines());
    assertThat(journal.live()).isOne();
    assertThat(resumedAfterKill()).containsExactly(alert(0));
  }

  /**
   * Under a database outage longer than any queue, the journal holds what the engine's dispatcher
   * holds, at most {@link AlertDispatcher#CAPACITY} waiting and one in hand, and its file stays
   * within twice that plus the slack: it does not grow with the outage.
   */
  @Test
  void theJournalIsBoundedAsTheDispatchersQueueIs() throws Exception {
    AlertJournalFile journal = new AlertJournalFile(dataDir);
    journal.open();
    AwayHistory away = new AwayHistory();
    AlertDispatcher dispatcher = new AlertDispatcher(away, QuotaListener.NONE, journal);
    try {
      dispatcher.dispatch(alert(0));
      assertThat(away.refused.await(10, TimeUnit.SECONDS)).isTrue(); // a0 in hand, retried
      int total = 2 * AlertDispatcher.CAPACITY + 3;
      int maxLines = 0;
      for (int i = 1; i < total; i++) {
        dispatcher.dispatch(alert(i));
        if (i % 500 == 0) {
          maxLines = Math.max(maxLines, journal.lines());
        }
      }
      assertThat(journal.live()).isEqualTo(AlertDispatcher.CAPACITY + 1);
      assertThat(maxLines).isLessThanOrEqualTo(2 * (AlertDispatcher.CAPACITY + 1) + LineJournal.SLACK + 1);
      assertThat(Files.readAllLines(journal.file()).size()).isEqualTo(journal.lines());

      List<Alert> expected = new ArrayList<>(List.of(alert(0)));
      for (int i = total - AlertDispatcher.CAPACITY; i < total; i++) {
        expected.add(alert(i));
      }
      assertThat(resumedAfterKill()).containsExactlyElementsOf(expected);
    } finally {
      dispatcher.stop();
    }
  }

  @Test
  void aLastLineCutShortByAKillIsSetAsideAndTheJournalGoesOnWellFormed() throws Exception {
    String whole = AlertJson.write(alert(1));
    String torn = AlertJson.write(alert(2)).substring(0, 40);
    Files.writeString(dataDir.resolve("alerts.journal"), whole + "\n" + torn);

    AlertJournalFile journal = new AlertJournalFile(dataDir);
    assertThat(journal.open()).containsExactly(alert(1));
    assertThat(Files.readAllLines(dataDir.resolve("alerts.rejected"))).containsExactly(torn);
    journal.fired(alert(3)); // not glued to the torn line: the start rewrote the file
    assertThat(resumedAfterKill()).containsExactly(alert(1), alert(3));
    assertThat(Files.readAllLines(journal.file())).containsExactly(whole, AlertJson.write(alert(3)));
  }

  @Test
  void aDoneLineCutShortLeavesItsAlertToBeResumedAndIsNotSetAside() throws Exception {
    Files.writeString(dataDir.resolve("alerts.journal"), AlertJson.write(alert(1)) + "\n" + "don");
    assertThat(new AlertJournalFile(dataDir).open()).containsExactly(alert(1));
    assertThat(dataDir.resolve("alerts.rejected")).doesNotExist();
  }

  @Test
  void zerosAMachineCrashLeftAtTheEndAreSkipped() throws Exception {
    Files.writeString(dataDir.resolve("alerts.journal"), AlertJson.write(alert(1)) + "\n\0\0\0\0");
    assertThat(new AlertJournalFile(dataDir).open()).containsExactly(alert(1));
    assertThat(dataDir.resolve("alerts.rejected")).doesNotExist();
  }

  @Test
  void anUnreadableLineIsSetAsideOnceAndTheOthersResumed() throws Exception {
    Files.writeString(dataDir.resolve("alerts.journal"),
        AlertJson.write(alert(1)) + "\n{\"id\":\"broken\"}\n" + AlertJson.write(alert(2)) + "\n");
    AlertJournalFile first = new AlertJournalFile(dataDir);
    assertThat(first.open()).containsExactly(alert(1), alert(2));
    assertThat(new AlertJournalFile(dataDir).open()).containsExactly(alert(1), alert(2));
    assertThat(Files.readAllLines(dataDir.resolve("alerts.rejected"))).containsExactly("{\"id\":\"broken\"}");
  }

  @Test
  void alertsAnEarlierVersionKeptAtAStopAreResumedAndMovedIntoTheJournal() throws Exception {
    Files.writeString(dataDir.resolve("alerts.unstored"),
        AlertJson.write(alert(1)) + "\n" + AlertJson.write(alert(2)) + "\nnot json\n");
    Files.writeString(dataDir.resolve("alerts.journal"), AlertJson.write(alert(2)) + "\n" + AlertJson.write(alert(3)) + "\n");

    AlertJournalFile journal = new AlertJournalFile(dataDir);
    assertThat(journal.open()).containsExactly(alert(1), alert(2), alert(3));
    assertThat(dataDir.resolve("alerts.unstored")).doesNotExist();
    assertThat(Files.readAllLines(dataDir.resolve("alerts.rejected"))).containsExactly("not json");
    assertThat(resumedAfterKill()).containsExactly(alert(1), alert(2), alert(3));
  }

  @Test
  void aStopKeepsWhatTheEngineHandedBackAndAStopWithNothingLeftRemovesTheFile() throws Exception {
    AlertJournalFile journal = new AlertJournalFile(dataDir);
    journal.open();
    journal.fired(alert(1));
    journal.fired(alert(2));
    journal.done(alert(1));
    journal.keep(List.of(alert(2)));
    assertThat(Files.readAllLines(journal.file())).containsExactly(AlertJson.write(alert(2)));
    journal.fired(alert(3)); // the engine is closed: nothing more is journaled
    journal.keep(List.of());
    assertThat(Files.readAllLines(journal.file())).containsExactly(AlertJson.write(alert(2)));

    AlertJournalFile next = new AlertJournalFile(dataDir);
    assertThat(next.open()).containsExactly(alert(2));
    next.done(alert(2));
    next.keep(List.of());
    assertThat(next.file()).doesNotExist();
    assertThat(new AlertJournalFile(dataDir).open()).isEmpty();
  }

  /** What a start would resume if this process were killed now. */
  private List<Alert> resumedAfterKill() throws IOException {
    Path copy = Files.createTempDirectory(root, "killed");
    Path journal = dataDir.resolve("alerts.journal");
    if (Files.exists(journal)) {
      Files.write(copy.resolve("alerts.journal"), Files.readAllBytes(journal), StandardOpenOption.CREATE_NEW);
    }
    return new AlertJournalFile(copy).open();
  }

  private static Alert alert(int n) {
    return new Alert("a" + n, T0.plusSeconds(n), "user:*", "user:u" + n, "daily", T0, new BigDecimal("0.8"),
        new BigDecimal("8.00"), new BigDecimal("10.00"), "USD");
  }

  /** A history whose database never answers. */
  private static final class AwayHistory implements AlertHistory {
    final CountDownLatch refused = new CountDownLatch(1);

    @Override
    public void append(Alert alert) {
      refused.countDown();
      throw new IllegalStateException("the database cannot be reached");
    }

    @Override
    public List<Alert> query(String subject, String policy, Instant from, Instant to, int offset, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Alert> queryAfter(String subject, String policy, Instant from, Instant to, AlertPosition after, int limit) {
      throw new UnsupportedOperationException();
    }
  }
}
