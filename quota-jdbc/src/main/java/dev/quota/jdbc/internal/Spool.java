package dev.quota.jdbc.internal;

import dev.quota.ledger.UsageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only file of ledger entries that could not reach the database, one JSON line each.
 *
 * <p>{@link #append} returns only after {@code fsync}, so a spooled entry survives a crash of the
 * process or the machine. A line is complete only with its trailing newline: a torn last line was
 * never acknowledged and is cut off when the spool is opened. The file is emptied only after every
 * line was committed to the database; replaying twice is harmless because ledger inserts ignore
 * rows they already hold. One process at a time: the file is locked while open.
 */
public final class Spool implements AutoCloseable {
  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private long lines;

  public Spool(Path directory) throws IOException {
    Files.createDirectories(directory);
    this.file = directory.resolve("ledger.spool");
    this.channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      held = null;
    }
    this.lock = held;
    if (lock == null) {
      channel.close();
      throw new IOException("spool " + file + " is in use by another process");
    }
    this.lines = readAndRepair().size();
  }

  public Path file() {
    return file;
  }

  /** Number of entries waiting to be replayed. */
  public synchronized long size() {
    return lines;
  }

  /** Appends {@code entries} and forces them to disk before returning. */
  public synchronized void append(List<UsageEntry> entries) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (UsageEntry e : entries) {
      sb.append(LedgerRows.toSpoolLine(e)).append('\n');
    }
    ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
    channel.position(channel.size());
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    channel.force(false);
    lines += entries.size();
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
