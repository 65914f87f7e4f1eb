package dev.quota.server.journal;

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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Items a server holds in memory and must not lose with its process, journaled in its data
 * directory as one line each: a line per item {@linkplain #add added}, and a line {@code done <id>}
 * once it is {@linkplain #remove removed}. When no item is left the file is emptied, which is what
 * nearly every item sees; while items wait, a file with more than {@link #SLACK} finished lines
 * beyond its live ones is rewritten with the live ones only, so the file stays within twice the
 * live items plus the slack.
 *
 * <p>Appends and rewrites are written, never forced to disk, as they happen on the threads of
 * decisions, which must not wait for a disk. A killed process loses nothing: what it wrote is in
 * the operating system's cache, which writes it back. A machine that crashes or loses power can
 * lose what was written since the system last wrote its cache back (on Linux up to about half a
 * minute), and with a rewrite under way, the whole file. A stop forces the file ({@link #keep}),
 * and so does a start ({@link #open}).
 *
 * <p>A line that cannot be read, such as the last line of a file whose process died mid-write, is
 * set aside in a file of rejected lines rather than read again at every start. A write that fails
 * is logged once; the items are still held in memory, and the next change rewrites the file whole.
 */
public final class LineJournal {
  /** Finished lines a file may hold beyond its live ones before it is rewritten. */
  public static final int SLACK = 1_024;

  private static final Logger LOG = LoggerFactory.getLogger(LineJournal.class);
  private static final String DONE = "done ";
  private static final OpenOption[] APPEND =
      {StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND};

  private final Path file;
  private final Path rejectedFile;
  private final Function<String, String> idOf;
  /** What is lost if the file cannot be written, for the log: "alerts not yet stored", say. */
  private final String atRisk;

  // Guarded by this.
  /** The lines of the items journaled and not done, oldest first, by id: a rewrite need not write them anew. */
  private final Map<String, String> live = new LinkedHashMap<>();
  /** Null until {@link #open}, and after a write that left the file's channel unusable. */
  private FileChannel out;
  /** Lines in the file, live or finished. */
  private int lines;
  /** A write failed: the file no longer matches {@link #live}, and is rewritten at the next change. */
  private boolean stale;
  private boolean opened;
  private boolean kept;

  /**
   * @param idOf an item's id from its line; throws for a line that cannot be read
   * @param atRisk what is lost if the file cannot be written, as the log should name it
   */
  public LineJournal(Path file, Path rejectedFile, Function<String, String> idOf, String atRisk) {
    this.file = file;
    this.rejectedFile = rejectedFile;
    this.idOf = idOf;
    this.atRisk = atRisk;
  }

  public Path file() {
    return file;
  }

  /**
   * Reads what an earlier process left in {@code earlier} (files in an older format that hold the
   * same lines, read first, or none) and in the journal, and returns the lines of the items not
   * done, oldest first; they stay journaled until removed. Rewrites the journal with just those,
   * forced to disk, and opens it for appending. Call it once, before anything is added.
   *
   * @throws UncheckedIOException if the files cannot be read or written
   */
  public synchronized List<String> open(Path... earlier) {
    if (opened) {
      throw new IllegalStateException("the journal " + file + " is already open");
    }
    opened = true;
    try {
      Files.createDirectories(file.getParent());
      for (Path from : earlier) {
        read(from);
      }
      read(file);
      rewrite(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or rewrite the journal " + file, e);
    }
    return List.copyOf(live.values());
  }

  /** Journals {@code line} as the item {@code id}; an item it holds already is kept once. */
  public synchronized void add(String id, String line) {
    if (!opened || kept || live.containsKey(id)) {
      return;
    }
    live.put(id, line);
    append(line);
  }

  /** The item {@code id} is done: the journal forgets it. */
  public synchronized void remove(String id) {
    if (!opened || kept || live.remove(id) == null) {
      return;
    }
    if (live.isEmpty()) {
      empty();
    } else if (lines + 1 - live.size() > live.size() + SLACK) {
      rewriteQuietly(); // without the finished lines
    } else {
      append(DONE + id);
    }
  }

  /**
   * At a stop: keeps the items still journaled, and {@code more} (id to line; items the journal
   * may hold already, short of a write that failed), for the next start, forced to disk, and
   * closes the journal; removes the file when nothing is left. Items added later are not
   * journaled. A second call does nothing.
   */
  public synchronized void keep(Map<String, String> more) throws IOException {
    if (kept) {
      return;
    }
    kept = true;
    more.forEach(live::putIfAbsent);
    closeChannel();
    if (live.isEmpty()) {
      Files.deleteIfExists(file);
    } else {
      rewrite(true);
      closeChannel();
    }
  }

  /** Items journaled and not done. */
  public synchronized int live() {
    return live.size();
  }

  /** Lines in the file, live or finished. */
  public synchronized int lines() {
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

  private void failed(Exception e) {
    if (!stale) {
      LOG.error("cannot write the journal {}; {} are lost if this process is killed: {}", file, atRisk, e.toString());
    }
    stale = true;
  }

  /**
   * Replaces the file with the live lines, written aside and moved over it, so that a killed
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

  /** Adds what {@code from} journaled and did not finish to {@link #live}, setting aside what cannot be read. */
  private void read(Path from) throws IOException {
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
        continue; // a done line cut short: its item is resumed, harmlessly, as if not done
      }
      if (line.startsWith(DONE)) {
        live.remove(line.substring(DONE.length()).strip());
        continue;
      }
      try {
        live.putIfAbsent(idOf.apply(line), line);
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
