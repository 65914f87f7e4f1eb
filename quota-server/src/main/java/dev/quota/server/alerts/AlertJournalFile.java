package dev.quota.server.alerts;

import dev.quota.alert.Alert;
import dev.quota.alert.AlertDispatcher;
import dev.quota.alert.AlertJournal;
import dev.quota.jdbc.json.AlertJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
 * <p>{@code alerts.journal} holds one line per alert fired, as {@link AlertJson} writes it, appended
 * before the engine queues the alert ({@link #fired}), and a line {@code done <id>} once the engine
 * stored the alert or dropped it ({@link #done}). When no alert is left the file is emptied, which
 * is what nearly every alert sees: it is stored a moment after it fired. While alerts wait (the
 * database is away), a file with more than {@link #SLACK} finished lines beyond its live ones is
 * rewritten with the live ones only. The engine holds at most {@link AlertDispatcher#CAPACITY}
 * alerts and the one it is storing, letting the oldest go when full, so the file never holds more
 * than twice that many lines plus the slack, however long the outage.
 *
 * <p>Appends and rewrites are written, never forced to disk, as they happen on the thread of the
 * decision that fired the alert, which must not wait for a disk. A killed process loses nothing:
 * what it wrote is in the operating system's cache, which writes it back. A machine that crashes
 * or loses power can lose what was written since the system last wrote its cache back (on Linux up
 * to about half a minute), and with a rewrite under way, the whole file. A stop forces the file
 * ({@link #keep}), and so does a start ({@link #open}).
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
  /** Finished lines a file may hold beyond its live ones before it is rewritten. */
  static final int SLACK = 1_024;

  private static final Logger LOG = LoggerFactory.getLogger(AlertJournalFile.class);
  private static final String DONE = "done ";
  private static final OpenOption[] APPEND =
      {StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND};

  private final Path file;
  private final Path legacyFile;
  private final Path rejectedFile;

  // Guarded by this.
  /** The lines of the alerts journaled and not done, oldest first, by id: a rewrite need not write them anew. */
  private final Map<String, String> live = new LinkedHashMap<>();
  /** Null until {@link #open}, and after a write that left the file's channel unusable. */
  private FileChannel out;
  /** Lines in the file, live or finished. */
  private int lines;
  /** A write failed: the file no longer matches {@link #live}, and is rewritten at the next change. */
  private boolean stale;
  private boolean opened;
  private boolean kept;

  public AlertJournalFile(Path dataDir) {
    this.file = dataDir.resolve("alerts.journal");
    this.legacyFile = dataDir.resolve("alerts.unstored");
    this.rejectedFile = dataDir.resolve("alerts.rejected");
  }

  public Path file() {
    return file;
  }

  /**
   * Reads what an earlier server on this data directory left (its journal, and an {@code
   * alerts.unstored} from a version before the journal) and returns the alerts not done, oldest
   * first, to be resumed; they stay journaled until the engine is done with them. Lines that cannot
   * be read are set aside. Rewrites the journal with just those alerts, forced to disk, and opens
   * it for appending. Call it once, before the engine fires anything.
   *
   * @throws UncheckedIOException if the files cannot be read or written
   */
  public synchronized List<Alert> open() {
    if (opened) {
      throw new IllegalStateException("the alert journal in " + file + " is already open");
    }
    opened = true;
    Map<String, Alert> found = new LinkedHashMap<>();
    try {
      Files.createDirectories(file.getParent());
      // The legacy file comes from a stop before any journal existed, so its alerts are the older.
      read(legacyFile, found);
      read(file, found);
      found.values().forEach(a -> live.put(a.id(), AlertJson.write(a)));
      rewrite(true);
      Files.deleteIfExists(legacyFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or rewrite the alert journal " + file, e);
    }
    if (!live.isEmpty()) {
      LOG.info("storing {} alerts an earlier server on this data directory fired and had not stored, journaled in {}",
          live.size(), file);
    }
    return List.copyOf(found.values());
  }

  @Override
  public synchronized void fired(Alert alert) {
    if (!opened || kept || live.containsKey(alert.id())) {
      return; // a resumed alert queued again is journaled already
    }
    String line = AlertJson.write(alert);
    live.put(alert.id(), line);
    append(line);
  }

  @Override
  public synchronized void done(Alert alert) {
    if (!opened || kept || live.remove(alert.id()) == null) {
      return;
    }
    if (live.isEmpty()) {
      empty();
    } else if (lines + 1 - live.size() > live.size() + SLACK) {
      rewriteQuietly(); // without the finished lines
    } else {
      append(DONE + alert.id());
    }
  }

  /**
   * At a stop, after the engine closed: keeps {@code unstored} (what the engine handed back, which
   * the journal holds already, short of a write that failed) for the next start, forced to disk,
   * and closes the journal; removes the file when nothing is left. Alerts fired later are not
   * journaled: a closed engine refuses them. A second call does nothing.
   */
  public synchronized void keep(List<Alert> unstored) throws IOException {
    if (kept) {
      return;
    }
    kept = true;
    unstored.forEach(a -> live.computeIfAbsent(a.id(), id -> AlertJson.write(a)));
    closeChannel();
    if (live.isEmpty()) {
      Files.deleteIfExists(file);
    } else {
      rewrite(true);
      closeChannel();
    }
  }

  /** Alerts journaled and not done. */
  synchronized int live() {
    return live.size();
  }

  /** Lines in the file, live or finished. */
  synchronized int lines() {
    return lines;
  }

  /** Appends {@code line}, or rewrites the whole file if an earlier write failed. */
  private void append(String line) {
    if (stale || out == null) {
      rewriteQuietly();
      return;
    }
    try {
      ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      lines++;
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  private void empty() {
    if (stale || out == null) {
      rewriteQuietly();
      return;
    }
    try {
      out.truncate(0);
      lines = 0;
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  private void rewriteQuietly() {
    try {
      rewrite(false);
      stale = false;
    } catch (IOException | RuntimeException e) {
      failed(e);
    }
  }

  /** The alerts are still queued in memory; the next change rewrites the file whole. */
  private void failed(Exception e) {
    if (!stale) {
      LOG.error("cannot write the alert journal {}; alerts not yet stored are lost if this process is killed: {}",
          file, e.toString());
    }
    stale = true;
  }

  /**
   * Replaces the file with the live alerts, written aside and moved over it, so that a killed
   * process leaves the old file or the new, never half of one; forced to disk only if {@code force}.
   */
  private void rewrite(boolean force) throws IOException {
    StringBuilder text = new StringBuilder();
    live.values().forEach(line -> text.append(line).append('\n'));
    Path next = file.resolveSibling(file.getFileName() + ".next");
    List<OpenOption> options = new ArrayList<>(List.of(
        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
    if (force) {
      options.add(StandardOpenOption.SYNC);
    }
    Files.writeString(next, text, StandardCharsets.UTF_8, options.toArray(OpenOption[]::new));
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    closeChannel(); // it writes to the file just replaced
    out = FileChannel.open(file, APPEND);
    lines = live.size();
  }

  private void closeChannel() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // Nothing was waiting in it: every write went straight to the file.
      }
      out = null;
    }
  }

  /** Adds what {@code from} journaled and did not finish to {@code found}, setting aside what cannot be read. */
  private void read(Path from, Map<String, Alert> found) throws IOException {
    if (!Files.exists(from)) {
      return;
    }
    String text = new String(Files.readAllBytes(from), StandardCharsets.UTF_8);
    String[] split = text.split("\n", -1);
    // The last element is what follows the last newline: empty, unless a write was cut short.
    for (int i = 0; i < split.length; i++) {
      String line = split[i];
      if (isBlank(line)) {
        continue;
      }
      boolean cutShort = i == split.length - 1;
      if (cutShort && DONE.startsWith(line)) {
        continue; // a done line cut short: its alert is resumed, harmlessly, as if not done
      }
      if (line.startsWith(DONE)) {
        found.remove(line.substring(DONE.length()).strip());
        continue;
      }
      try {
        Alert a = AlertJson.read(line);
        found.putIfAbsent(a.id(), a);
      } catch (RuntimeException unreadable) {
        LOG.error("{} line of {} unreadable, set aside in {}: {}", cutShort ? "last, unfinished" : "a", from,
            rejectedFile, unreadable.getMessage());
        setAside(line);
      }
    }
  }

  /** Blank, or the zeros a file system can leave in a block it had not written when the machine stopped. */
  private static boolean isBlank(String line) {
    return line.chars().allMatch(c -> c == 0 || Character.isWhitespace(c));
  }

  private void setAside(String line) throws IOException {
    Files.writeString(rejectedFile, line + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
  }
}
