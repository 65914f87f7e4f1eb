package dev.quota.server.journal;

import dev.quota.jdbc.json.UsageEntryJson;
import dev.quota.ledger.OwedUsageJournal;
import dev.quota.ledger.UsageEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger rows whose budget charges this server owes the counter store (usage that went ahead
 * while the store could not be reached), journaled in its data directory as {@code owed.journal},
 * one {@link UsageEntryJson} line each, until the engine applied or gave up the charge. A server
 * stopped or killed before the store came back leaves them to its next start there, which owes
 * them again ({@link dev.quota.Quota#resumeOwedCharges}); without this, counters that outlived the
 * outage would never learn of that spend. See {@link LineJournal} for what a crash can lose.
 */
public final class OwedUsageJournalFile implements OwedUsageJournal {
  private static final Logger LOG = LoggerFactory.getLogger(OwedUsageJournalFile.class);

  private final LineJournal journal;

  public OwedUsageJournalFile(Path dataDir) {
    this.journal = new LineJournal(
        dataDir.resolve("owed.journal"), dataDir.resolve("owed.rejected"), line -> UsageEntryJson.read(line).id(),
        "budget charges owed to the counter store");
  }

  public Path file() {
    return journal.file();
  }

  /**
   * Reads what an earlier server on this data directory left and returns the rows still owed,
   * oldest first, to be resumed; they stay journaled until the engine settles them. Call it once,
   * before the engine records anything.
   *
   * @throws UncheckedIOException if the file cannot be read or written
   */
  public List<UsageEntry> open() {
    List<UsageEntry> rows = journal.open().stream().map(UsageEntryJson::read).toList();
    if (!rows.isEmpty()) {
      LOG.info("owing again the budget charges of {} ledger rows an earlier server on this data directory had not"
          + " applied to the counter store, journaled in {}", rows.size(), file());
    }
    return rows;
  }

  @Override
  public void owed(UsageEntry row) {
    journal.add(row.id(), UsageEntryJson.write(row));
  }

  @Override
  public void settled(String rowId) {
    journal.remove(rowId);
  }

  /** At a stop, after the engine closed: forces what is still owed to disk for the next start. */
  public void keep() {
    try {
      journal.keep(Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the journal " + file(), e);
    }
  }

  /** Rows journaled and not settled. */
  public int owed() {
    return journal.live();
  }
}
