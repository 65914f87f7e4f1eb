package dev.quota.server.alerts;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertHandler;
import dev.quota.jdbc.json.AlertJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts a stopping server fired but could not store (the database was away), kept in its data
 * directory so that the next start stores and delivers them: their budget counters already marked
 * those levels fired, so they would never be alerted again in their period.
 *
 * <p>{@code alerts.unstored} holds one alert a line, as {@link AlertJson} writes it; it is replaced
 * whole, fsynced, on each stop ({@link #keep}). A start reads it ({@link #resume}) and the file
 * stays until every alert in it has been stored (this is an {@link AlertHandler}, called once an
 * alert is stored) or the next stop replaces it, so a crash in between only repeats alerts, which
 * the history keeps once. A line that cannot be read is set aside in {@code alerts.rejected} rather
 * than read again at every start. Alerts queued when the process is killed are not kept.
 */
public final class UnstoredAlerts implements AlertHandler {
  private static final Logger LOG = LoggerFactory.getLogger(UnstoredAlerts.class);

  private final Path file;
  private final Path rejectedFile;
  /** Ids of the resumed alerts not yet stored; the file goes once none is left. */
  private final Set<String> resumedNotStored = new HashSet<>();
  /** Set once a stop replaced the file: later stores of resumed alerts must not remove it. */
  private boolean kept;

  public UnstoredAlerts(Path dataDir) {
    this.file = dataDir.resolve("alerts.unstored");
    this.rejectedFile = dataDir.resolve("alerts.rejected");
  }

  public Path file() {
    return file;
  }

  /**
   * The alerts an earlier stop kept, oldest first, to be dispatched again; lines that cannot be
   * read are set aside. Removes a file with nothing readable left in it.
   */
  public synchronized List<Alert> resume() {
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the alerts kept in " + file, e);
    }
    List<Alert> alerts = new ArrayList<>();
    boolean setAside = false;
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        alerts.add(AlertJson.read(line));
      } catch (RuntimeException unreadable) {
        LOG.error("kept alert line unreadable, set aside in {}: {}", rejectedFile, unreadable.getMessage());
        setAside(line);
        setAside = true;
      }
    }
    alerts.forEach(a -> resumedNotStored.add(a.id()));
    if (alerts.isEmpty()) {
      delete();
    } else {
      if (setAside) {
        replace(alerts); // a line set aside once is not set aside again by a later start
      }
      LOG.info("storing {} alerts a stopped server could not store, kept in {}", alerts.size(), file);
    }
    return alerts;
  }

  /** A resumed alert is stored: once all are, the file has done its job. */
  @Override
  public synchronized void onAlert(Alert stored) {
    if (resumedNotStored.remove(stored.id()) && resumedNotStored.isEmpty() && !kept) {
      delete();
    }
  }

  /**
   * Replaces the file with {@code unstored} (removes it when there are none) and forces it to disk
   * before returning. The alerts resumed at start and not stored since are among them, as the
   * engine hands back everything it could not store.
   */
  public synchronized void keep(List<Alert> unstored) throws IOException {
    kept = true;
    if (unstored.isEmpty()) {
      Files.deleteIfExists(file);
    } else {
      write(unstored);
    }
  }

  private void replace(List<Alert> alerts) {
    try {
      write(alerts);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite the alerts kept in " + file, e);
    }
  }

  private void write(List<Alert> unstored) throws IOException {
    Files.createDirectories(file.getParent());
    StringBuilder text = new StringBuilder();
    unstored.forEach(a -> text.append(AlertJson.write(a)).append('\n'));
    Path next = file.resolveSibling(file.getFileName() + ".next");
    // Written aside and moved over the old file, so a crash leaves the old or the new, never half.
    Files.writeString(next, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void delete() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Harmless: the next start dispatches them again and the history keeps each once.
      LOG.warn("could not remove {} after storing its alerts: {}", file, e.toString());
    }
  }

  private void setAside(String line) {
    try {
      Files.writeString(rejectedFile, line + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set a kept alert aside in " + rejectedFile, e);
    }
  }
}
