package dev.quota.jdbc.internal;

import dev.quota.ledger.UsageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An append-only file of ledger entries that could not reach the database, one JSON line each.
 *
 * <p>{@link #append} returns only after {@code fsync}, so a spooled entry survives a crash of the
 * process or the machine. A line is complete only with its trailing newline: a torn last line was
 * never acknowledged and is cut off when the spool is opened. The file is emptied only after every
 * line was committed to the database; replaying twice is harmless because ledger inserts ignore
 * rows they already hold. One process at a time: the file is locked while open.
 *
 * <p>An entry that repeats one already waiting here (its id, idempotency key or reservation id) is
 * not written again: the ledger would keep only the first, so a second line would change nothing
 * but the count of entries said to be waiting.
 */
public final class Spool implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private long lines;
  /** The ids, idempotency keys and reservation ids of the entries in the file. */
  private final Set<String> identities = new HashSet<>();

  public Spool(Path directory) throws IOException {
    Files.createDirectories(directory);
    this.file = directory.resolve("ledger.spool");
    this.channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      held = null;
    }
    this.lock = held;
    if (lock == null) {
      channel.close();
      throw new IOException("spool " + file + " is in use by another process");
    }
    List<String> waiting = readAndRepair();
    this.lines = waiting.size();
    for (String line : waiting) {
      try {
        remember(LedgerRows.fromSpoolLine(line));
      } catch (RuntimeException unreadable) {
        // Set aside when replayed; it cannot repeat an entry nobody can read.
      }
    }
  }

  public Path file() {
    return file;
  }

  /** Number of entries waiting to be replayed. */
  public synchronized long size() {
    return lines;
  }

  /**
   * Appends {@code entries}, but those repeating one already waiting, and forces them to disk
   * before returning.
   */
  public synchronized void append(List<UsageEntry> entries) throws IOException {
    StringBuilder sb = new StringBuilder();
    int appended = 0;
    for (UsageEntry e : entries) {
      if (repeatsOneWaiting(e)) {
        continue;
      }
      sb.append(LedgerRows.toSpoolLine(e)).append('\n');
      remember(e);
      appended++;
    }
    if (appended == 0) {
      return;
    }
    ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    channel.position(channel.size());
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    channel.force(false);
    lines += appended;
  }

  private boolean repeatsOneWaiting(UsageEntry e) {
    return identities.contains("id:" + e.id())
        || (e.idempotencyKey() != null && identities.contains("key:" + e.idempotencyKey()))
        || (e.reservationId() != null && identities.contains("reservation:" + e.reservationId()));
  }

  private void remember(UsageEntry e) {
    identities.add("id:" + e.id());
    if (e.idempotencyKey() != null) {
      identities.add("key:" + e.idempotencyKey());
    }
    if (e.reservationId() != null) {
      identities.add("reservation:" + e.reservationId());
    }
  }

  /**
   * Every complete line in the spool, oldest first, as written. Parsing is the reader's job, so
   * that one line it cannot read (a disk error, a hand edit, an entry an older version accepted)
   * can be set aside without holding back the others.
   */
  public synchronized List<String> lines() throws IOException {
    return readAndRepair();
  }

  /** Empties the spool once its entries are committed elsewhere. */
  public synchronized void clear() throws IOException {
    channel.truncate(0);
    channel.force(true);
    lines = 0;
    identities.clear();
  }

  private List<String> readAndRepair() throws IOException {
    long size = channel.size();
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    channel.position(0);
    while (buf.hasRemaining() && channel.read(buf) > 0) {
      // read until full
    }
    byte[] bytes = buf.array();
    int lastNewline = -1;
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        lastNewline = i;
        break;
      }
    }
    if (lastNewline + 1 < bytes.length) {
      // A torn write from a crash: never acknowledged, so dropping it loses nothing.
      channel.truncate(lastNewline + 1);
      channel.force(true);
    }
    List<String> out = new ArrayList<>();
    String text = new String(bytes, 0, lastNewline + 1, StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  @Override
  public synchronized void close() throws IOException {
    lock.release();
    channel.close();
  }
}
