package dev.quota.jdbc;

import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.jdbc.internal.Spool;
import dev.quota.ledger.UsageEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's spool while its database is away: batches are appended to the {@link Spool} file
 * and acknowledged once fsynced, and replayed into the database, then emptied, once it answers. A
 * spooled line the database can never take is set aside in {@code ledger.rejected} rather than
 * holding back the rest.
 */
final class LedgerSpool implements AutoCloseable {
  // Under the ledger's name, as before these lines moved here, so log settings keep applying.
  private static final Logger log = LoggerFactory.getLogger(JdbcUsageLedger.class);

  private final Spool spool;
  private final Path rejectedFile;
  /** The ledger's spool lock, held while the spool is read, replayed and emptied, and while entries are spooled. */
  private final ReentrantLock spoolLock;
  private final LedgerInserter inserter;
  private final int maxBatchSize;

  LedgerSpool(Path directory, ReentrantLock spoolLock, LedgerInserter inserter, int maxBatchSize) {
    try {
      this.spool = new Spool(directory);
    } catch (IOException e) {
      // The cause says why (another process holds it, a file where the directory belongs); a
      // start that fails here reports this message alone.
      throw new UncheckedIOException("cannot open the ledger spool in " + directory + ": " + e.getMessage(), e);
    }
    this.rejectedFile = directory.resolve("ledger.rejected");
    this.spoolLock = spoolLock;
    this.inserter = inserter;
    this.maxBatchSize = maxBatchSize;
  }

  /** Entries waiting in the spool for the database. */
  long size() {
    return spool.size();
  }

  Path file() {
    return spool.file();
  }

  /**
   * Appends {@code entries} to the spool and, once they are on disk, acknowledges {@code callers};
   * if the spool cannot take them, every caller fails with a {@link LedgerUnavailableException}.
   */
  void spoolOrFail(List<UsageEntry> entries, List<CompletableFuture<Void>> callers) {
    spoolLock.lock();
    try {
      spool.append(entries);
      callers.forEach(done -> done.complete(null));
    } catch (IOException | RuntimeException e) {
      LedgerUnavailableException failure =
          new LedgerUnavailableException("database unreachable and spool " + spool.file() + " not writable", e);
      callers.forEach(done -> done.completeExceptionally(failure));
    } finally {
      spoolLock.unlock();
    }
  }

  /** Inserts every spooled entry (already-present rows are skipped), then empties the spool. */
  int replay() throws SQLException {
    spoolLock.lock();
    try {
      return replayLocked();
    } finally {
      spoolLock.unlock();
    }
  }

  private int replayLocked() throws SQLException {
    List<String> lines;
    try {
      lines = spool.lines();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the ledger spool " + spool.file(), e);
    }
    List<UsageEntry> all = new ArrayList<>(lines.size());
    for (String line : lines) {
      UsageEntry entry = readSpooled(line);
      if (entry != null) {
        all.add(entry);
      }
    }
    for (int from = 0; from < all.size(); from += maxBatchSize) {
      List<UsageEntry> chunk = all.subList(from, Math.min(all.size(), from + maxBatchSize));
      try {
        inserter.insert(chunk.stream().map(LedgerRow::of).toList());
      } catch (SQLException e) {
        if (!DatabaseException.isDataError(Jdbc.sqlState(e))) {
          throw e;
        }
        for (UsageEntry entry : chunk) {
          replayOne(entry);
        }
      }
    }
    try {
      spool.clear();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty the ledger spool " + spool.file(), e);
    }
    if (!lines.isEmpty()) {
      log.info("replayed {} spooled ledger entries", lines.size());
    }
    return lines.size();
  }

  /**
   * A spooled line as an entry, or null once it is set aside: a line that cannot be read, or an
   * entry that breaks a rule of the table (one spooled by an older version, say), would otherwise
   * be retried forever and hold back every entry behind it.
   */
  private UsageEntry readSpooled(String line) {
    UsageEntry entry;
    try {
      entry = LedgerRows.fromSpoolLine(line);
      LedgerRows.validate(entry);
    } catch (RuntimeException unreadable) {
      log.error("spooled ledger line unreadable, kept in {}: {}", rejectedFile, unreadable.toString());
      setAside(line);
      return null;
    }
    return entry;
  }

  /** A spooled entry the database refuses for its data is set aside, never retried forever. */
  private void replayOne(UsageEntry entry) throws SQLException {
    try {
      inserter.insert(List.of(LedgerRow.of(entry)));
    } catch (SQLException e) {
      if (!DatabaseException.isDataError(Jdbc.sqlState(e))) {
        throw e;
      }
      log.error("spooled ledger entry {} refused by the database, kept in {}: {}", entry.id(), rejectedFile, e.getMessage());
      setAside(LedgerRows.toSpoolLine(entry));
    }
  }

  private void setAside(String line) {
    try {
      Files.writeString(
          rejectedFile, line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    } catch (IOException io) {
      throw new UncheckedIOException("cannot set a spooled ledger entry aside in " + rejectedFile, io);
    }
  }

  /** Releases the spool file; entries still in it wait for the next ledger opened on the directory. */
  @Override
  public void close() throws IOException {
    spool.close();
  }
}
