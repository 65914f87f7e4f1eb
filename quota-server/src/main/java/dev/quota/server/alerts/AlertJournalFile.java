package dev.quota.server.alerts;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.alert.AlertJournal;
import dev.quota.jdbc.json.AlertJson;
import dev.quota.server.journal.LineJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alerts this server fired and has not stored in the database yet, journaled in its data
 * directory so that a server killed before storing them (SIGKILL, the kernel's out-of-memory
 * killer) leaves them to the next start there. Their budget counters already marked those levels
 * fired, so an alert lost with the process would never be alerted again in its period.
 *
 * <p>{@code alerts.journal} is a {@link LineJournal} of one line per alert fired, as {@link
 * AlertJson} writes it, added before the engine queues the alert ({@link #fired}) and removed once
 * the engine stored the alert or dropped it ({@link #done}): nearly every alert is stored a moment
 * after it fired, and the file is then empty. The engine holds at most {@link
 * AlertDispatcher#CAPACITY} alerts and the one it is storing, letting the oldest go when full, so
 * the file never holds more than twice that many lines plus the journal's slack, however long the
 * outage.
 *
 * <p>A start reads the journal and resumes the alerts it holds that are not done, oldest first. Some
 * may have been stored before the kill, even delivered (the process died between storing one and
 * writing its {@code done}): the history keeps the first of two appends of an id, and the webhook
 * sender resumes an alert only where its delivery is unfinished ({@link WebhookSender#resuming}).
 * A start also reads {@code alerts.unstored}, where servers before the journal kept the alerts a
 * stop could not store, and removes it once its alerts are in the journal. A line that cannot be
 * read, such as the last line of a file whose process died mid-write, is set aside in {@code
 * alerts.rejected} rather than read again at every start.
 */
public final class AlertJournalFile implements AlertJournal {
  private static final Logger LOG = LoggerFactory.getLogger(AlertJournalFile.class);

  private final LineJournal journal;
  private final Path legacyFile;

  public AlertJournalFile(Path dataDir) {
    this.journal = new LineJournal(
        dataDir.resolve("alerts.journal"), dataDir.resolve("alerts.rejected"), line -> AlertJson.read(line).id(),
        "alerts not yet stored");
    this.legacyFile = dataDir.resolve("alerts.unstored");
  }

  public Path file() {
    return journal.file();
  }

  /**
   * Reads what an earlier server on this data directory left (its journal, and an {@code
   * alerts.unstored} from a version before the journal) and returns the alerts not done, oldest
   * first, to be resumed; they stay journaled until the engine is done with them. Lines that cannot
   * be read are set aside. Call it once, before the engine fires anything.
   *
   * @throws UncheckedIOException if the files cannot be read or written
   */
  public List<Alert> open() {
    // The legacy file comes from a stop before any journal existed, so its alerts are the older.
    List<Alert> found = journal.open(legacyFile).stream().map(AlertJson::read).toList();
    try {
      Files.deleteIfExists(legacyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + legacyFile + ", whose alerts are journaled now", e);
    }
    if (!found.isEmpty()) {
      LOG.info("storing {} alerts an earlier server on this data directory fired and had not stored, journaled in {}",
          found.size(), file());
    }
    return found;
  }

  @Override
  public void fired(Alert alert) {
    journal.add(alert.id(), AlertJson.write(alert)); // a resumed alert queued again is journaled already
  }

  @Override
  public void done(Alert alert) {
    journal.remove(alert.id());
  }

  /**
   * At a stop, after the engine closed: keeps {@code unstored} (what the engine handed back, which
   * the journal holds already, short of a write that failed) for the next start, forced to disk,
   * and closes the journal; removes the file when nothing is left. Alerts fired later are not
   * journaled: a closed engine refuses them. A second call does nothing.
   */
  public void keep(List<Alert> unstored) throws IOException {
    Map<String, String> lines = new LinkedHashMap<>();
    unstored.forEach(a -> lines.put(a.id(), AlertJson.write(a)));
    journal.keep(lines);
  }

  /** Alerts journaled and not done. */
  int live() {
    return journal.live();
  }

  /** Lines in the file, live or finished. */
  int lines() {
    return journal.lines();
  }
}
