package dev.quota.jdbc;

import dev.quota.MoneyTotal;
import dev.quota.ValidationException;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.internal.LedgerRow;
import dev.quota.jdbc.internal.LedgerRows;
import dev.quota.ledger.UsageEntry;
import dev.quota.ledger.UsageLedger;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * <p>A database that answers but holds a write up is handled the same way. The writers have
 * connections of their own ({@code BoundedPool}) that give up on a lock after the lock timeout
 * (2 s by default, the connection timeout), on a statement after the statement timeout (10 s)
 * and, on PostgreSQL, on a reply that has not come 5 s after that; the batch then goes to the
 * spool. Left unbounded, PostgreSQL keeps a write waiting for as long as another session holds a
 * lock on the ledger's tables (a migration, an operator's open transaction), and every caller of
 * the batch with it. Data errors are told apart by their SQLSTATE (above), never by how long
 * they took, so bad data is still refused, not spooled.
 *
 * <h2>Retention</h2>
 * {@link #prune} folds raw rows of whole UTC days older than the raw retention into
 * {@code usage_daily} and deletes them; rollups are kept for the rollup retention. Idempotency is
 * therefore guaranteed within the raw retention. {@link #spent} reads raw rows only, so the raw
 * retention must cover the longest budget period to rebuild: the builder refuses one shorter than
 * {@link #MIN_RAW_RETENTION}, which is also the default (a shorter one would under-seed monthly
 * budgets late in long months).
 * Prune from one process at a time. Each ledger caches the day before which rows are rolled up; a
 * batch with a row old enough that a prune in another process may have moved that day past it
 * (older than the raw retention less a day, so processes sharing a database share the retention)
 * reads the day afresh instead, locked against prunes, so its rows count once in reports.
 *
 * <h2>Parts</h2>
 * This class is the group commit: the queue, the writers and what they do with a batch. The spool
 * and its replay are {@code LedgerSpool}, the writers' view of an outage {@code Outage}, inserts
 * with their rollups {@code LedgerInserter}, reads {@code LedgerQueries}, and retention
 * {@code LedgerPruner}. The locks they share are made here and handed to each: the spool lock to
 * the spool, the retention lock to the inserter and the pruner.
 */
public final class JdbcUsageLedger implements UsageLedger {
  private static final Logger log = LoggerFactory.getLogger(JdbcUsageLedger.class);

  /**
   * The shortest raw retention, and the default: 32 days. A budget counter a store lost is rebuilt
   * from raw rows alone ({@link #spent}), so they must reach back to the start of any budget period
   * still running. The longest is a monthly one: 31 days of its zone's calendar (a reset day past a
   * month's end moves to its last day, which makes no period longer), plus what the clocks going
   * back inside it add in instants (an hour for daylight saving time, two at Antarctica/Troll). A
   * prune keeps the whole UTC day that the retention reaches back into, so it never cuts closer
   * than the retention itself. The day beyond 31, like the inserter's margin, covers that offset
   * change and a pruning process's clock running ahead of the one that dates budget periods (Redis's
   * own, on Redis).
   */
  public static final Duration MIN_RAW_RETENTION = Duration.ofDays(32);
  /**
   * How long a write waits for a lock by default: the pool's connection timeout
   * ({@link Database#CONNECTION_TIMEOUT}), so a database that holds a write back delays its
   * callers no longer than one that does not answer, and H2's own default lock timeout.
   */
  public static final Duration DEFAULT_LOCK_TIMEOUT = Database.CONNECTION_TIMEOUT;
  /**
   * How long one statement of a write may take by default. Not a lock wait (those end sooner) but
   * work, so far more than a batch needs: 1000 rows, the default batch, take milliseconds, and
   * 100,000, the largest allowed, took about 2 s when measured. Only a stuck server (a full disk,
   * an I/O stall) holds a batch this long, and then its callers are better served by the spool.
   */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(10);
  /** The order in which a batch locks its unique keys: idempotency key, then reservation id. */
  private static final Comparator<LedgerRow> BY_UNIQUE_KEYS =
      Comparator.<LedgerRow, String>comparing(r -> r.entry().idempotencyKey(), Comparator.nullsLast(String::compareTo))
          .thenComparing(r -> r.entry().reservationId(), Comparator.nullsLast(String::compareTo));

  private final int maxBatchSize;
  private final long probeIntervalNanos;
  private final BlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
  /** Held while the spool is read, replayed and emptied, and while entries are spooled. */
  private final ReentrantLock spoolLock = new ReentrantLock();
  /** Inserts share it; pruning takes it alone, so no late row slips past a rollup being built. */
  private final ReentrantReadWriteLock retentionLock = new ReentrantReadWriteLock();
  /** The writers' own connections, whose waits are bounded (see {@link Builder#lockTimeout}). */
  private final BoundedPool writerPool;
  private final LedgerInserter inserter;
  private final LedgerSpool spool;
  private final Outage outage;
  private final LedgerQueries queries;
  private final LedgerPruner pruner;
  private final List<Thread> writers = new ArrayList<>();
  private boolean closed;

  private sealed interface Task permits Append, Control {}

  /** The row is encoded by the appending caller, in parallel with the others, not by the writer. */
  private record Append(LedgerRow row, CompletableFuture<Void> done) implements Task {
    UsageEntry entry() {
      return row.entry();
    }
  }

  private record Control(Callable<Object> action, CompletableFuture<Object> done, boolean stop) implements Task {}

  private JdbcUsageLedger(Builder b) {
    this.maxBatchSize = b.maxBatchSize;
    this.probeIntervalNanos = b.probeInterval.toNanos();
    // H2 serialises writers on its own locks and times out under contention: one writer there.
    int writerCount = b.writerThreads != null ? b.writerThreads : b.database.engine() == Database.Engine.H2 ? 1 : 2;
    // Every insert runs on a writer thread (replays too), so a connection each is all they need.
    this.writerPool = BoundedPool.open(b.database, "ledger", writerCount, b.lockTimeout, b.statementTimeout);
    RollupWatermark watermark = new RollupWatermark();
    this.inserter = new LedgerInserter(
        b.database.engine(), writerPool.dataSource(), retentionLock, watermark, b.clock, b.rawRetention);
    try {
      this.spool = new LedgerSpool(b.spoolDirectory, spoolLock, inserter, maxBatchSize);
    } catch (RuntimeException e) {
      writerPool.close();
      throw e;
    }
    this.outage = new Outage(b.database, writerPool, probeIntervalNanos, spool.file());
    this.queries = new LedgerQueries(b.database, b.lockTimeout);
    this.pruner = new LedgerPruner(b.database, b.rawRetention, b.rollupRetention, b.lockTimeout, retentionLock, watermark);
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
    private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
    private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
    private Duration rawRetention = MIN_RAW_RETENTION;
    private Duration rollupRetention = Duration.ofDays(400);
    private Clock clock = Clock.systemUTC();

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

    /**
     * How long a write waits for a lock on the ledger's tables (another session's open transaction
     * or table lock, a migration) before it gives up and its batch is spooled, exactly as when the
     * database cannot be reached (default {@link #DEFAULT_LOCK_TIMEOUT}). A lookup by idempotency
     * key or reservation id waits as long (in whole seconds, rounded up, on PostgreSQL), then
     * answers that it cannot tell; a prune waits as long for each lock it needs, then fails,
     * changing nothing, to be run again later (writes wait for a prune in this process).
     *
     * @throws ValidationException naming {@code lockTimeout} unless between 1 ms and 1 hour
     */
    public Builder lockTimeout(Duration d) {
      ValidationException.require(within(d, Duration.ofMillis(1), Duration.ofHours(1)), "lockTimeout",
          "must be between 1 ms and 1 hour");
      this.lockTimeout = d;
      return this;
    }

    /**
     * How long one statement of a write may take, its lock waits included, before it gives up and
     * its batch is spooled (default {@link #DEFAULT_STATEMENT_TIMEOUT}); on PostgreSQL a reply
     * that has not come 5 s after that counts as a lost connection. Keep it well above
     * what the largest batch ({@link #maxBatchSize}) takes to insert: a batch that always took
     * longer would be spooled, and its replay given up on, again and again.
     *
     * @throws ValidationException naming {@code statementTimeout} unless between 1 ms and 1 hour
     */
    public Builder statementTimeout(Duration d) {
      ValidationException.require(within(d, Duration.ofMillis(1), Duration.ofHours(1)), "statementTimeout",
          "must be between 1 ms and 1 hour");
      this.statementTimeout = d;
      return this;
    }

    private static boolean within(Duration d, Duration min, Duration max) {
      return d != null && d.compareTo(min) >= 0 && d.compareTo(max) <= 0;
    }

    /**
     * How long raw rows are kept: default and at least {@link #MIN_RAW_RETENTION} (32 days), so that
     * every budget period can be rebuilt from them. Processes sharing a database must keep the same.
     *
     * @throws ValidationException naming {@code rawRetention} if it is shorter
     */
    public Builder rawRetention(Duration d) {
      ValidationException.require(d != null && d.compareTo(MIN_RAW_RETENTION) >= 0, "rawRetention",
          "must be at least 32 days, so that a monthly budget can be rebuilt from raw rows");
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

    /**
     * The clock that tells which rows are old enough that a prune in another process may have
     * rolled up their day (default: the system's UTC clock).
     */
    public Builder clock(Clock c) {
      ValidationException.require(c != null, "clock", "is required");
      this.clock = c;
      return this;
    }

    public JdbcUsageLedger build() {
      ValidationException.require(spoolDirectory != null, "spoolDirectory", "is required");
      // A statement's lock waits count toward its own bound: a longer lock bound would never apply.
      ValidationException.require(lockTimeout.compareTo(statementTimeout) <= 0, "lockTimeout",
          "must not be longer than statementTimeout (" + statementTimeout + ")");
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
   * Entries appended and waiting on the queue for a writer to take them into a batch; those in a
   * batch being written are not counted. Walks the queue, so it is for monitoring, not for a hot path.
   */
  public int queuedEntries() {
    int n = 0;
    for (Task t : queue) {
      if (t instanceof Append) {
        n++;
      }
    }
    return n;
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
    if (outage.spoolsDirectly()) {
      spoolOrFail(appends);
      return;
    }
    try {
      if (spool.size() > 0) {
        spool.replay();
      }
      inserter.insert(rowsOf(appends));
      outage.recovered();
      appends.forEach(a -> a.done().complete(null));
    } catch (SQLException e) {
      if (DatabaseException.isDataError(Jdbc.sqlState(e))) {
        isolate(appends);
      } else {
        outage.markDegraded(e);
        spoolOrFail(appends);
      }
    } catch (RuntimeException e) {
      // Not the database's answer: the spool could not be read or emptied, or a bug. The batch
      // goes to the spool as in an outage, so no caller waits forever and the writer lives on.
      log.error("ledger write failed, spooling the batch", e);
      outage.markDegraded(e);
      spoolOrFail(appends);
    }
  }

  /** A batch the database refused for its data: retry row by row so only the bad rows fail. */
  private void isolate(List<Append> appends) {
    for (int i = 0; i < appends.size(); i++) {
      Append a = appends.get(i);
      try {
        inserter.insert(List.of(a.row()));
        a.done().complete(null);
      } catch (SQLException e) {
        if (DatabaseException.isDataError(Jdbc.sqlState(e))) {
          a.done().completeExceptionally(new DatabaseException("usage entry " + a.entry().id() + " rejected", e));
        } else {
          outage.markDegraded(e);
          spoolOrFail(appends.subList(i, appends.size()));
          return;
        }
      }
    }
  }

  private void spoolOrFail(List<Append> appends) {
    spool.spoolOrFail(entriesOf(appends), callersOf(appends));
  }

  private void probe() {
    if (!outage.probeDue()) {
      return;
    }
    try {
      spool.replay();
      outage.recovered();
    } catch (SQLException e) {
      outage.markDegraded(e);
    } catch (RuntimeException e) {
      log.error("ledger spool replay failed", e);
      outage.markDegraded(e);
    }
  }

  private Object replayOrThrow() {
    try {
      int n = spool.replay();
      outage.recovered();
      return n;
    } catch (SQLException e) {
      outage.markDegraded(e);
      throw new LedgerUnavailableException(
          "ledger database unreachable; " + spool.size() + " entries stay in the spool " + spool.file(), e);
    } catch (RuntimeException e) {
      outage.markDegraded(e);
      throw new LedgerUnavailableException(
          "ledger spool replay failed; " + spool.size() + " entries stay in the spool " + spool.file(), e);
    }
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

  private static List<CompletableFuture<Void>> callersOf(List<Append> appends) {
    List<CompletableFuture<Void>> out = new ArrayList<>(appends.size());
    for (Append a : appends) {
      out.add(a.done());
    }
    return out;
  }

  // ----------------------------------------------------------------------------------- reads

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, Instant from, Instant to) {
    replayBeforeRead();
    return queries.spent(subjects, from, to);
  }

  @java.lang.Override
  public MoneyTotal spent(Map<String, String> subjects, String currency, Instant from, Instant to) {
    replayBeforeRead();
    return queries.spent(subjects, currency, from, to);
  }

  @java.lang.Override
  public List<UsageEntry> entries(Map<String, String> subjects, Instant from, Instant to) {
    replayBeforeRead();
    return queries.entries(subjects, from, to);
  }

  @java.lang.Override
  public Optional<UsageEntry> withIdempotencyKey(String idempotencyKey) {
    return recall("idempotency_key", idempotencyKey);
  }

  @java.lang.Override
  public Optional<UsageEntry> withReservationId(String reservationId) {
    return recall("reservation_id", reservationId);
  }

  /**
   * Empty when the database cannot be read: the engine then trusts the store's memory of the key,
   * as it always has, rather than refusing usage the spool would take while the database is away.
   */
  private Optional<UsageEntry> recall(String column, String value) {
    if (outage.spoolsDirectly()) {
      return Optional.empty(); // known to be away: no caller waits out a connection timeout to learn it again
    }
    try {
      replayBeforeRead();
      return Optional.ofNullable(queries.byUniqueKey(column, value));
    } catch (DatabaseException e) {
      if (e.isUnreachable()) {
        outage.markDegraded(e);
      }
      return Optional.empty();
    } catch (LedgerUnavailableException spoolNotReplayed) {
      return Optional.empty();
    }
  }

  private void replayBeforeRead() {
    if (spool.size() > 0) {
      replaySpool();
    }
  }

  // ------------------------------------------------------------------------------- retention

  /**
   * Rolls raw rows of whole UTC days older than the raw retention (relative to {@code now}) up
   * into {@code usage_daily}, deletes them, and deletes rollups older than the rollup retention.
   * Inserts wait while it runs, so no late row races with the rollup.
   */
  public PruneResult prune(Instant now) {
    return pruner.prune(now);
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
    writerPool.close();
    try {
      spool.close();
    } catch (IOException e) {
      log.warn("closing the ledger spool: {}", e.getMessage());
    }
  }
}
