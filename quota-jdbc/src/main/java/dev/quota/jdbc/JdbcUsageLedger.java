package dev.quota.jdbc;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerColumns;
import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.jdbc.internal.Spool;
import dev.quota.ledger.UsageEntry;
import dev.quota.ledger.UsageLedger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage ledger in the database, with group commit and a local spool.
 *
 * <h2>Group commit</h2>
 * Callers of {@link #append} put their entry on a queue and wait. A writer thread takes
 * everything queued (up to {@code maxBatchSize}), inserts it in one transaction and commits; only
 * then are the callers released. On PostgreSQL the batch is one statement whatever its size
 * ({@code INSERT ... SELECT FROM unnest} of one array per column, see {@code LedgerColumns}) that
 * commits itself, so a batch costs one round trip; on H2 it is a JDBC batch. Two writers (by default) overlap
 * one batch's commit with the next batch's insert on PostgreSQL. Under load a single commit
 * acknowledges hundreds of entries, which is what makes durable writes cheap. The primary key,
 * the idempotency key and the reservation id are unique and a batch that repeats any of them is
 * inserted with {@code ON CONFLICT DO NOTHING} (PostgreSQL tries a plain insert first, which is
 * cheaper), so a repeat never adds a second row. Each caller encodes its own row before queueing
 * it, which keeps that work off the writers every caller waits for.
 *
 * <h2>Bad data</h2>
 * Entries are validated before they are queued ({@link ValidationException} naming the field).
 * Should the database still refuse a batch for a data reason (SQLSTATE class 22 or 23), the batch
 * is rolled back and retried row by row: each refused entry fails with a {@link DatabaseException}
 * and nothing of it is written, while the others commit.
 *
 * <h2>Database unreachable</h2>
 * For any other failure the batch is appended to the spool file and fsynced, and its callers are
 * acknowledged: the entries are durable on local disk. While degraded the writer spools directly
 * and probes the database every {@code probeInterval}; once it answers, the spool is replayed
 * (idempotently, thanks to the unique keys) before new entries are written, and then emptied.
 * {@link #spent} and {@link #entries} replay a non-empty spool first, so they never miss spooled
 * spend; if the database is still down they throw {@link LedgerUnavailableException}.
 *
 * <h2>Retention</h2>
 * {@link #prune} folds raw rows of whole UTC days older than the raw retention into
 * {@code usage_daily} and deletes them; rollups are kept for the rollup retention. Idempotency is
 * therefore guaranteed within the raw retention. {@link #spent} reads raw rows only, so the raw
 * retention must cover the longest budget period to rebuild (a month plus the time-zone offset:
 * the default of 32 days does; a shorter one can under-seed monthly budgets late in long months).
 * Prune from one process at a time.
 */
public final class JdbcUsageLedger implements UsageLedger {
  private static final Logger log = LoggerFactory.getLogger(JdbcUsageLedger.class);
  /** Runs of one batch after a deadlock or serialization failure before it counts as an outage. */
  private static final int TRANSIENT_ATTEMPTS = 5;
  /** The order in which a batch locks its unique keys: idempotency key, then reservation id. */
  private static final Comparator<LedgerRow> BY_UNIQUE_KEYS =
      Comparator.<LedgerRow, String>comparing(r -> r.entry().idempotencyKey(), Comparator.nullsLast(String::compareTo))
          .thenComparing(r -> r.entry().reservationId(), Comparator.nullsLast(String::compareTo));

  private static final String INSERT =
      "INSERT INTO usage_entry (id, at, usage_day, user_id, team_id, project_id, tool_id, provider_id,"
          + " subjects, amount, meters, reservation_id, idempotency_key, overrun)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
  private static final String COLUMNS =
      "id, at, subjects, amount, meters, reservation_id, idempotency_key, overrun";

  private final Database database;
  private final DataSource ds;
  private final Spool spool;
  private final Path rejectedFile;
  private final int maxBatchSize;
  private final long probeIntervalNanos;
  private final Duration rawRetention;
  private final Duration rollupRetention;
  private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  /** Held while the spool is read, replayed and emptied, and while entries are spooled. */
  private final ReentrantLock spoolLock = new ReentrantLock();
  /** Inserts share it; pruning takes it alone, so no late row slips past a rollup being built. */
  private final ReentrantReadWriteLock retentionLock = new ReentrantReadWriteLock();
  private final List<Thread> writers = new ArrayList<>();
  private boolean closed;

  private volatile boolean degraded;
  private volatile long nextProbeNanos;
  /** Read on first use, so a ledger can start (and spool) while the database is down. */
  private volatile LocalDate rolledUpBefore;

  private sealed interface Task permits Append, Control {}

  /** The row is encoded by the appending caller, in parallel with the others, not by the writer. */
  private record Append(LedgerRow row, CompletableFuture<Void> done) implements Task {
    UsageEntry entry() {
      return row.entry();
    }
  }

  private record Control(Callable<Object> action, CompletableFuture<Object> done, boolean stop) implements Task {}

  private JdbcUsageLedger(Builder b) {
    this.database = b.database;
    this.ds = b.database.dataSource();
    this.maxBatchSize = b.maxBatchSize;
    this.probeIntervalNanos = b.probeInterval.toNanos();
    this.rawRetention = b.rawRetention;
    this.rollupRetention = b.rollupRetention;
    try {
      this.spool = new Spool(b.spoolDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the ledger spool in " + b.spoolDirectory, e);
    }
    this.rejectedFile = b.spoolDirectory.resolve("ledger.rejected");
    // H2 serialises writers on its own locks and times out under contention: one writer there.
    int writerCount = b.writerThreads != null ? b.writerThreads : b.database.engine() == Database.Engine.H2 ? 1 : 2;
    for (int i = 0; i < writerCount; i++) {
      Thread writer = new Thread(this::runWriter, "quota-ledger-writer-" + i);
      writer.setDaemon(true);
      writer.start();
      writers.add(writer);
    }
    if (spool.size() > 0) {
      // Left over from a previous run: hand it to the writer, which replays once the database answers.
      queue.add(new Control(this::replayOrThrow, new CompletableFuture<>(), false));
    }
  }

  public static Builder builder(Database database) {
    return new Builder(database);
  }

  /** Settings; only the database and the spool directory are required. */
  public static final class Builder {
    private final Database database;
    private Path spoolDirectory;
    private int maxBatchSize = 1000;
    private Integer writerThreads;
    private Duration probeInterval = Duration.ofSeconds(1);
    // At least 30 days of raw history, and long enough that a monthly budget period (31 days,
    // plus a time-zone offset at either end) can always be rebuilt from raw rows by spent().
    private Duration rawRetention = Duration.ofDays(32);
    private Duration rollupRetention = Duration.ofDays(400);

    private Builder(Database database) {
      this.database = Objects.requireNonNull(database, "database");
    }

    /** Where the spool file lives; must be local disk. */
    public Builder spoolDirectory(Path dir) {
      this.spoolDirectory = dir;
      return this;
    }

    /** Most entries committed in one transaction (default 1000). */
    public Builder maxBatchSize(int n) {
      ValidationException.require(n >= 1 && n <= 100_000, "maxBatchSize", "must be between 1 and 100000");
      this.maxBatchSize = n;
      return this;
    }

    /**
     * Writer threads (default 2 on PostgreSQL, 1 on H2): while one commits, the next batch is
     * already being inserted, so the database's own group commit can overlap the two.
     */
    public Builder writerThreads(int n) {
      ValidationException.require(n >= 1 && n <= 16, "writerThreads", "must be between 1 and 16");
      this.writerThreads = n;
      return this;
    }

    /** How often a degraded ledger retries the database (default 1 s). */
    public Builder probeInterval(Duration d) {
      ValidationException.require(d != null && !d.isNegative() && !d.isZero(), "probeInterval", "must be positive");
      this.probeInterval = d;
      return this;
    }

    /** How long raw rows are kept (default 30 days). */
    public Builder rawRetention(Duration d) {
      ValidationException.require(d != null && d.compareTo(Duration.ofDays(1)) >= 0, "rawRetention", "must be at least 1 day");
      this.rawRetention = d;
      return this;
    }

    /** How long daily rollups are kept (default 400 days, more than 13 months). */
    public Builder rollupRetention(Duration d) {
      ValidationException.require(
          d != null && d.compareTo(Duration.ofDays(397)) >= 0, "rollupRetention", "must be at least 397 days (13 months)");
      this.rollupRetention = d;
      return this;
    }

    public JdbcUsageLedger build() {
      ValidationException.require(spoolDirectory != null, "spoolDirectory", "is required");
      return new JdbcUsageLedger(this);
    }
  }

  // ---------------------------------------------------------------------------------- writes

  /**
   * Appends {@code entry} and returns once it is committed to the database or fsynced to the
   * spool. A repeated id, idempotency key or reservation id is a no-op.
   *
   * @throws ValidationException if the entry breaks a rule of the table (nothing is queued)
   * @throws DatabaseException if the database refused this entry's data (nothing of it is written)
   * @throws LedgerUnavailableException if neither the database nor the spool took it
   */
  @java.lang.Override
  public void append(UsageEntry entry) {
    LedgerRows.validate(entry);
    Append task = new Append(LedgerRow.of(entry), new CompletableFuture<>());
    enqueue(task);
    await(task.done());
  }

  private void enqueue(Task task) {
    closeLock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the ledger is closed");
      }
      queue.add(task);
    } finally {
      closeLock.readLock().unlock();
    }
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        r.addSuppressed(new Exception("awaited here"));
        throw r;
      }
      throw e;
    }
  }

  /** Runs {@code action} on a writer thread, after everything queued before it was taken. */
  private Object onWriter(Callable<Object> action) {
    Control c = new Control(action, new CompletableFuture<>(), false);
    enqueue(c);
    return await(c.done());
  }

  /** Entries waiting in the spool for the database. */
  public long spooledEntries() {
    return spool.size();
  }

  /**
   * Replays the spool now, on a writer thread, and returns how many entries it held.
   *
   * @throws LedgerUnavailableException if the database is still unreachable (the spool is kept)
   */
  public int replaySpool() {
    return (Integer) onWriter(this::replayOrThrow);
  }

  private void runWriter() {
    List<Task> batch = new ArrayList<>();
    while (true) {
      Task first;
      try {
        first = spool.size() > 0 ? queue.poll(probeIntervalNanos, TimeUnit.NANOSECONDS) : queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (first == null) {
        probe();
        continue;
      }
      batch.clear();
      batch.add(first);
      queue.drainTo(batch, maxBatchSize - 1);
      int stops = process(batch);
      if (stops > 0) {
        // A batch may have drained another writer's stop as well: hand the extras back.
        for (int i = 1; i < stops; i++) {
          queue.add(new Control(() -> null, new CompletableFuture<>(), true));
        }
        return;
      }
    }
  }

  /** Handles one drained batch; returns how many stop tasks it held. */
  private int process(List<Task> batch) {
    List<Append> appends = new ArrayList<>(batch.size());
    for (Task t : batch) {
      if (t instanceof Append a) {
        appends.add(a);
      }
    }
    if (!appends.isEmpty()) {
      write(appends);
    }
    int stops = 0;
    for (Task t : batch) {
      if (t instanceof Control c) {
        try {
          c.done().complete(c.action().call());
        } catch (Exception e) {
          c.done().completeExceptionally(e);
        }
        stops += c.stop() ? 1 : 0;
      }
    }
    return stops;
  }

  private void write(List<Append> appends) {
    if (degraded && System.nanoTime() < nextProbeNanos) {
      spoolOrFail(appends);
      return;
    }
    try {
      if (spool.size() > 0) {
        replay();
      }
      insert(rowsOf(appends));
      degraded = false;
      appends.forEach(a -> a.done().complete(null));
    } catch (SQLException e) {
      if (DatabaseException.isDataError(sqlState(e))) {
        isolate(appends);
      } else {
        markDegraded(e);
        spoolOrFail(appends);
      }
    } catch (RuntimeException e) {
      // Not the database's answer: the spool could not be read or emptied, or a bug. The batch
      // goes to the spool as in an outage, so no caller waits forever and the writer lives on.
      log.error("ledger write failed, spooling the batch", e);
      markDegraded(e);
      spoolOrFail(appends);
    }
  }

  /** A batch the database refused for its data: retry row by row so only the bad rows fail. */
  private void isolate(List<Append> appends) {
    for (int i = 0; i < appends.size(); i++) {
      Append a = appends.get(i);
      try {
        insert(List.of(a.row()));
        a.done().complete(null);
      } catch (SQLException e) {
        if (DatabaseException.isDataError(sqlState(e))) {
          a.done().completeExceptionally(new DatabaseException("usage entry " + a.entry().id() + " rejected", e));
        } else {
          markDegraded(e);
          spoolOrFail(appends.subList(i, appends.size()));
          return;
        }
      }
    }
  }

  private void spoolOrFail(List<Append> appends) {
    spoolLock.lock();
    try {
      spool.append(entriesOf(appends));
      appends.forEach(a -> a.done().complete(null));
    } catch (IOException | RuntimeException e) {
      LedgerUnavailableException failure =
          new LedgerUnavailableException("database unreachable and spool " + spool.file() + " not writable", e);
      appends.forEach(a -> a.done().completeExceptionally(failure));
    } finally {
      spoolLock.unlock();
    }
  }

  private void markDegraded(Exception e) {
    if (!degraded) {
      log.warn("ledger database unavailable, spooling to {}: {}", spool.file(), e.getMessage());
    }
    degraded = true;
    database.evictIdleConnections();
    nextProbeNanos = System.nanoTime() + probeIntervalNanos;
  }

  private void probe() {
    if (System.nanoTime() < nextProbeNanos) {
      return;
    }
    try {
      replay();
      degraded = false;
    } catch (SQLException e) {
      markDegraded(e);
    } catch (RuntimeException e) {
      log.error("ledger spool replay failed", e);
      markDegraded(e);
    }
  }

  private Object replayOrThrow() {
    try {
      int n = replay();
      degraded = false;
      return n;
    } catch (SQLException e) {
      markDegraded(e);
      throw new LedgerUnavailableException(
          "ledger database unreachable; " + spool.size() + " entries stay in the spool " + spool.file(), e);
    } catch (RuntimeException e) {
      markDegraded(e);
      throw new LedgerUnavailableException(
          "ledger spool replay failed; " + spool.size() + " entries stay in the spool " + spool.file(), e);
    }
  }

  /** Inserts every spooled entry (already-present rows are skipped), then empties the spool. */
  private int replay() throws SQLException {
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
        insert(chunk.stream().map(LedgerRow::of).toList());
      } catch (SQLException e) {
        if (!DatabaseException.isDataError(sqlState(e))) {
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
      insert(List.of(LedgerRow.of(entry)));
    } catch (SQLException e) {
      if (!DatabaseException.isDataError(sqlState(e))) {
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

  /**
   * One transaction: the batch, plus rollup updates for rows of days already rolled up. Two
   * writers whose batches share keys can still deadlock in the database (a key's row locked by one
   * while the other holds a key it needs); the one rolled back runs again, which is safe: it wrote
   * nothing, and no insert adds a row whose keys are taken. Only a database that keeps refusing
   * counts as unavailable.
   */
  private void insert(List<LedgerRow> rows) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      retentionLock.readLock().lock();
      try {
        insertLocked(rows);
        return;
      } catch (SQLException e) {
        if (attempt >= TRANSIENT_ATTEMPTS || !DatabaseException.isTransient(sqlState(e))) {
          throw e;
        }
      } finally {
        retentionLock.readLock().unlock();
      }
    }
  }

  private void insertLocked(List<LedgerRow> rows) throws SQLException {
    try (Connection c = ds.getConnection()) {
      if (rolledUpBefore == null) {
        rolledUpBefore = readRolledUpBefore(c);
      }
      List<LedgerRow> current = new ArrayList<>(rows.size());
      List<LedgerRow> late = new ArrayList<>();
      for (LedgerRow r : rows) {
        if (day(r.entry().at()).isBefore(rolledUpBefore)) {
          late.add(r);
        } else {
          current.add(r);
        }
      }
      boolean postgres = database.engine() == Database.Engine.POSTGRESQL;
      if (postgres && late.isEmpty() && !current.isEmpty()) {
        // The usual case: one statement that commits itself, a single round trip per batch.
        LedgerColumns.insertCommitted(c, current);
        return;
      }
      c.setAutoCommit(false);
      try {
        if (current.size() > 1 && postgres) {
          try (PreparedStatement ps = c.prepareStatement(LedgerColumns.INSERT)) {
            LedgerColumns.bind(c, ps, current);
            ps.executeUpdate();
          }
          current = List.of();
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
          if (current.size() == 1) {
            // A lone row is a plain update: its error message names the constraint directly.
            bind(ps, current.get(0));
            ps.executeUpdate();
          } else if (!current.isEmpty()) {
            for (LedgerRow r : current) {
              bind(ps, r);
              ps.addBatch();
            }
            ps.executeBatch();
          }
          for (LedgerRow r : late) {
            bind(ps, r);
            if (ps.executeUpdate() == 1) {
              addToRollup(c, r.entry());
            }
          }
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException r) {
          e.addSuppressed(r);
        }
        throw e;
      }
    }
  }

  private static void bind(PreparedStatement ps, LedgerRow r) throws SQLException {
    UsageEntry e = r.entry();
    Map<String, String> s = e.subjects();
    ps.setString(1, e.id());
    Jdbc.setInstant(ps, 2, e.at());
    ps.setObject(3, day(e.at()));
    int i = 4;
    for (String scope : LedgerRows.COLUMN_SCOPES) {
      ps.setString(i++, s.get(scope));
    }
    ps.setString(9, r.subjectsText());
    ps.setBigDecimal(10, LedgerRows.decimal(e.amount()));
    ps.setString(11, r.metersJson());
    ps.setString(12, e.reservationId());
    ps.setString(13, e.idempotencyKey());
    ps.setBigDecimal(14, LedgerRows.decimal(e.overrun()));
  }

  private static void addToRollup(Connection c, UsageEntry e) throws SQLException {
    String where = " WHERE usage_day = ? AND user_id = ? AND team_id = ? AND project_id = ? AND tool_id = ? AND provider_id = ?";
    try (PreparedStatement up =
        c.prepareStatement("UPDATE usage_daily SET amount = amount + ?, entries = entries + 1" + where)) {
      up.setBigDecimal(1, LedgerRows.decimal(e.amount()));
      bindRollupKey(up, 2, e);
      if (up.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement in =
        c.prepareStatement(
            "INSERT INTO usage_daily (usage_day, user_id, team_id, project_id, tool_id, provider_id, amount, entries)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, 1)")) {
      bindRollupKey(in, 1, e);
      in.setBigDecimal(7, LedgerRows.decimal(e.amount()));
      in.executeUpdate();
    }
  }

  private static void bindRollupKey(PreparedStatement ps, int first, UsageEntry e) throws SQLException {
    ps.setObject(first, day(e.at()));
    int i = first + 1;
    for (String scope : LedgerRows.COLUMN_SCOPES) {
      ps.setString(i++, e.subjects().getOrDefault(scope, ""));
    }
  }

  static LocalDate day(Instant t) {
    return LocalDate.ofInstant(t, ZoneOffset.UTC);
  }

  /**
   * The batch's rows in the order of their unique keys, idempotency key then reservation id (a
   * stable sort: among repeats of a key the first appended still wins; rows with neither keep their
   * order): writers then lock the keys they share in the same order, which is how concurrent
   * batches that repeat a key (a retried commit, say) avoid deadlocking each other.
   */
  private static List<LedgerRow> rowsOf(List<Append> appends) {
    List<LedgerRow> out = new ArrayList<>(appends.size());
    for (Append a : appends) {
      out.add(a.row());
    }
    out.sort(BY_UNIQUE_KEYS);
    return out;
  }

  private static List<UsageEntry> entriesOf(List<Append> appends) {
    List<UsageEntry> out = new ArrayList<>(appends.size());
    for (Append a : appends) {
      out.add(a.entry());
    }
    return out;
  }

  /** The first SQLSTATE in the exception chain: drivers wrap batch failures differently. */
  static String sqlState(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        if (s.getSQLState() != null) {
          return s.getSQLState();
        }
        if (s.getNextException() != null && s.getNextException().getSQLState() != null) {
          return s.getNextException().getSQLState();
        }
      }
    }
    return null;
  }

  // ----------------------------------------------------------------------------------- reads

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    replayBeforeRead();
    Filter f = filter(subjects, from, to);
    return Jdbc.read(ds, "summing ledger entries", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT SUM(amount) FROM usage_entry WHERE " + f.sql)) {
        Jdbc.bind(ps, f.args);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return MoneyTotal.of(rs.getBigDecimal(1));
        }
      }
    });
  }

  @java.lang.Override
  public List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    replayBeforeRead();
    Filter f = filter(subjects, from, to);
    return Jdbc.read(ds, "reading ledger entries", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT " + COLUMNS + " FROM usage_entry WHERE " + f.sql + " ORDER BY at, id")) {
        Jdbc.bind(ps, f.args);
        try (ResultSet rs = ps.executeQuery()) {
          List<UsageEntry> out = new ArrayList<>();
          while (rs.next()) {
            out.add(
                new UsageEntry(
                    rs.getString("id"),
                    Jdbc.getInstant(rs, "at"),
                    LedgerRows.parseSubjects(rs.getString("subjects")),
                    LedgerRows.money(rs.getBigDecimal("amount")),
                    LedgerRows.parseMeters(rs.getString("meters")),
                    rs.getString("reservation_id"),
                    rs.getString("idempotency_key"),
                    LedgerRows.money(rs.getBigDecimal("overrun"))));
          }
          return out;
        }
      }
    });
  }

  private void replayBeforeRead() {
    if (spool.size() > 0) {
      replaySpool();
    }
  }

  /** A {@code WHERE} clause and the arguments for its parameters, in order. */
  private record Filter(String sql, List<Object> args) {}

  private static Filter filter(Map<String, String> subjects, Instant from, Instant to) {
    Objects.requireNonNull(subjects, "subjects");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    StringBuilder sql = new StringBuilder();
    List<Object> args = new ArrayList<>();
    for (Map.Entry<String, String> s : new java.util.TreeMap<>(subjects).entrySet()) {
      String column = LedgerRows.column(s.getKey());
      if (column != null) {
        sql.append(column).append(" = ? AND ");
        args.add(s.getValue());
      } else {
        sql.append("subjects LIKE ? ESCAPE '\\' AND ");
        args.add(LedgerRows.subjectPattern(s.getKey(), s.getValue()));
      }
    }
    sql.append("at >= ? AND at < ?");
    args.add(from);
    args.add(to);
    return new Filter(sql.toString(), args);
  }

  // ------------------------------------------------------------------------------- retention

  /**
   * Rolls raw rows of whole UTC days older than the raw retention (relative to {@code now}) up
   * into {@code usage_daily}, deletes them, and deletes rollups older than the rollup retention.
   * Inserts wait while it runs, so no late row races with the rollup.
   */
  public PruneResult prune(Instant now) {
    ValidationException.require(now != null, "now", "is required");
    retentionLock.writeLock().lock();
    try {
      return Jdbc.inTransaction(ds, "pruning the ledger", c -> prune(c, now));
    } finally {
      retentionLock.writeLock().unlock();
    }
  }

  private PruneResult prune(Connection c, Instant now) throws SQLException {
    LocalDate cutoff = day(now.minus(rawRetention));
    // Locking the watermark row serializes prunes from several processes on one database.
    LocalDate watermark = readRolledUpBefore(c, " FOR UPDATE");
    long rawDeleted = 0;
    if (cutoff.isAfter(watermark)) {
      String dims = "COALESCE(user_id, ''), COALESCE(team_id, ''), COALESCE(project_id, ''),"
          + " COALESCE(tool_id, ''), COALESCE(provider_id, '')";
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO usage_daily (usage_day, user_id, team_id, project_id, tool_id, provider_id, amount, entries)"
                  + " SELECT usage_day, " + dims + ", SUM(amount), COUNT(*) FROM usage_entry"
                  + " WHERE usage_day >= ? AND usage_day < ? GROUP BY usage_day, " + dims)) {
        ps.setObject(1, watermark);
        ps.setObject(2, cutoff);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_entry WHERE usage_day < ?")) {
        ps.setObject(1, cutoff);
        rawDeleted = ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE ledger_state SET rolled_up_before = ? WHERE id = 1")) {
        ps.setObject(1, cutoff);
        ps.executeUpdate();
      }
      watermark = cutoff;
    }
    long rollupsDeleted;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_daily WHERE usage_day < ?")) {
      ps.setObject(1, day(now.minus(rollupRetention)));
      rollupsDeleted = ps.executeUpdate();
    }
    rolledUpBefore = watermark;
    return new PruneResult(watermark, rawDeleted, rollupsDeleted);
  }

  static LocalDate readRolledUpBefore(Connection c) throws SQLException {
    return readRolledUpBefore(c, "");
  }

  private static LocalDate readRolledUpBefore(Connection c, String lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT rolled_up_before FROM ledger_state WHERE id = 1" + lock);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getObject(1, LocalDate.class);
    }
  }

  // ------------------------------------------------------------------------------- lifecycle

  /**
   * Writes everything queued, stops the writer and releases the spool. Entries still spooled stay
   * on disk and are replayed by the next ledger opened on the same directory.
   */
  @java.lang.Override
  public void close() {
    closeLock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // One stop per writer; everything queued before them is written first.
      for (int i = 0; i < writers.size(); i++) {
        queue.add(new Control(() -> null, new CompletableFuture<>(), true));
      }
    } finally {
      closeLock.writeLock().unlock();
    }
    try {
      for (Thread writer : writers) {
        writer.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      spool.close();
    } catch (IOException e) {
      log.warn("closing the ledger spool: {}", e.getMessage());
    }
  }
}
