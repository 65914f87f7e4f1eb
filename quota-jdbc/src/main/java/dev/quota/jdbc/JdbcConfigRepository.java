package dev.quota.jdbc;

import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.Subject;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditQuery;
import dev.quota.admin.ConfigRepository;
import dev.quota.admin.Override;
import dev.quota.jdbc.internal.Jdbc;
import dev.quota.jdbc.json.OverrideJson;
import dev.quota.jdbc.json.PolicyJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policies (with every version kept), overrides, subject resets, the audit trail and the budget
 * counter set the engines took up last, in the database. Each change and the audit row describing
 * it are written in one transaction: if either fails, neither is stored.
 *
 * <p>A policy or override row that this version cannot read (edited by hand, or stored under
 * rules since tightened) is skipped with a warning, logged once per row content, instead of
 * failing the whole read. Failing would be worse on every count: a server could not start, and
 * no other policy change, the repair of that row included, would ever apply. Skipping a policy
 * leaves its subjects to the next most specific policy; skipping an override leaves the policy it
 * replaced in force. A skipped policy can still be replaced through {@link #putPolicy} (which
 * then reports that it replaced none, having none it could read), not deleted.
 *
 * <p>Every writer of a policy takes its locks in one order, the selector's next version row
 * first, and that claim proves that the policy it read beforehand, the one it replaces, is still
 * current (see {@code claimVersion}). The audit function of a put or a delete is called on that
 * policy before the claim, when the transaction has written nothing; if it throws, the
 * transaction is rolled back and the exception propagates, so a conditional write refused there
 * leaves no trace. Should the claim show that another writer came first, it is called again on
 * what that writer left.
 */
public final class JdbcConfigRepository implements ConfigRepository {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcConfigRepository.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final int COLLISION_ATTEMPTS = 3;
  /**
   * How often one write of a policy reads it again because another writer claimed the version it
   * read: each time, that other writer went ahead, so giving up (as busy) only ever stops a writer
   * that others keep outpacing.
   */
  static final int CLAIM_ATTEMPTS = 64;

  /**
   * How long a change waits for a row another transaction holds before the database gives up on
   * it (answered as busy: nothing written, try again). Without it PostgreSQL waits for ever, so one
   * session left open on a policy row would hang every change of it, and the server's threads with
   * them. H2 has a lock timeout of its own.
   */
  public static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

  private final DataSource ds;
  /** The statement that bounds a transaction's lock waits, or null where the database bounds them itself. */
  private final String boundLockWaits;
  /** Unreadable rows already warned about (table, key and content), so a reload every few seconds warns once. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  public JdbcConfigRepository(Database database) {
    this(database, LOCK_TIMEOUT);
  }

  /** With lock waits bounded by {@code lockTimeout} on PostgreSQL (tests shorten it). */
  JdbcConfigRepository(Database database, Duration lockTimeout) {
    this.ds = database.dataSource();
    this.boundLockWaits = database.engine() == Database.Engine.POSTGRESQL
        ? "SET LOCAL lock_timeout = " + lockTimeout.toMillis()
        : null;
  }

  /** Runs {@code work} in a transaction whose lock waits are bounded (see {@link #LOCK_TIMEOUT}). */
  private <T> T write(String what, Jdbc.Work<T> work) {
    return Jdbc.inTransaction(ds, what, c -> {
      if (boundLockWaits != null) {
        try (Statement s = c.createStatement()) {
          s.execute(boundLockWaits);
        }
      }
      return work.run(c);
    });
  }

  @java.lang.Override
  public List<Policy> policies() {
    return Jdbc.read(ds, "reading policies", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT selector, body FROM policy");
          ResultSet rs = ps.executeQuery()) {
        List<Policy> out = new ArrayList<>();
        while (rs.next()) {
          readPolicy(rs.getString("selector"), rs.getString("body")).ifPresent(out::add);
        }
        // Sorted here, not by the database: PostgreSQL orders text by its database's collation
        // (case and punctuation ignored at first under en_US), H2 by UTF-16 units, and the list
        // reads the same on either as in memory.
        out.sort(Comparator.comparing(Policy::selector));
        return out;
      }
    });
  }

  @java.lang.Override
  public Optional<Policy> policy(Selector selector) {
    return Jdbc.read(ds, "reading policy " + selector, c -> storedPolicy(c, selector.toString()));
  }

  private Optional<Policy> readPolicy(String selector, String body) {
    // As stored: a selector written before whitespace at an identifier's ends was refused still loads.
    return readable("policy", selector, body, () -> PolicyJson.readStored(body, Selector.parseStored(selector)));
  }

  /** What {@code read} makes of a row; empty, and a warning once, if the row cannot be read. */
  private <T> Optional<T> readable(String table, String key, String body, Supplier<T> read) {
    try {
      return Optional.of(read.get());
    } catch (RuntimeException e) {
      if (reported.add(table + "\n" + key + "\n" + body)) {
        LOG.warn("skipping {} row {}: it cannot be loaded ({}); every other row still applies. Replace or delete it.",
            table, key, e.getMessage());
      }
      return Optional.empty();
    }
  }

  /** Every version of the policy bound to {@code selector}, newest first, deletions included. */
  public List<PolicyVersion> versions(Selector selector) {
    return Jdbc.read(ds, "reading versions of " + selector, c -> {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT version, body, changed_at, actor FROM policy_version WHERE selector = ? ORDER BY version DESC")) {
        ps.setString(1, selector.toString());
        try (ResultSet rs = ps.executeQuery()) {
          List<PolicyVersion> out = new ArrayList<>();
          while (rs.next()) {
            String body = rs.getString("body");
            out.add(
                new PolicyVersion(
                    selector.toString(),
                    rs.getLong("version"),
                    body == null ? null : PolicyJson.readStored(body, selector),
                    Jdbc.getInstant(rs, "changed_at"),
                    rs.getString("actor")));
          }
          return out;
        }
      }
    });
  }

  @java.lang.Override
  public Optional<Policy> putPolicy(Policy policy, Function<Optional<Policy>, AuditEntry> audit) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(audit, "audit");
    String selector = policy.selector().toString();
    String body = PolicyJson.write(policy);
    return writeRetryingCollisions("storing policy " + selector, c -> {
      for (int attempt = 1; ; attempt++) {
        long latest = latestVersion(c, selector); // first: see claimVersion
        Optional<Policy> replaced = storedPolicy(c, selector);
        AuditEntry entry = audit.apply(replaced);
        if (!claimVersion(c, selector, latest + 1, body, entry)) {
          giveUpAfter(attempt, selector);
          continue;
        }
        try (PreparedStatement up =
            c.prepareStatement("UPDATE policy SET version = ?, body = ?, updated_at = ? WHERE selector = ?")) {
          up.setLong(1, latest + 1);
          up.setString(2, body);
          Jdbc.setInstant(up, 3, entry.at());
          up.setString(4, selector);
          if (up.executeUpdate() == 0) {
            insertPolicy(c, selector, latest + 1, body, entry);
          }
        }
        insertAudit(c, entry);
        return replaced;
      }
    });
  }

  /**
   * The selector's primary key is what refuses a second create: the policy row is inserted, never
   * updated, and a duplicate key means another writer bound the selector first. Once the version
   * is claimed ({@code claimVersion}) that can only be one that wrote the row without claiming a
   * version (by hand).
   */
  @java.lang.Override
  public boolean createPolicy(Policy policy, AuditEntry audit) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(audit, "audit");
    String selector = policy.selector().toString();
    String body = PolicyJson.write(policy);
    return writeRetryingCollisions("creating policy " + selector, c -> {
      for (int attempt = 1; ; attempt++) {
        long latest = latestVersion(c, selector); // first: see claimVersion
        if (policyRowExists(c, selector)) {
          return false;
        }
        if (!claimVersion(c, selector, latest + 1, body, audit)) {
          giveUpAfter(attempt, selector);
          continue;
        }
        try {
          insertPolicy(c, selector, latest + 1, body, audit);
        } catch (SQLException e) {
          if (!UNIQUE_VIOLATION.equals(Jdbc.sqlState(e))) {
            throw e;
          }
          c.rollback(); // the version row goes with it: nothing of this create is kept
          return false;
        }
        insertAudit(c, audit);
        return true;
      }
    });
  }

  @java.lang.Override
  public Optional<Policy> deletePolicy(Selector selector, Function<Policy, AuditEntry> audit) {
    Objects.requireNonNull(audit, "audit");
    String key = selector.toString();
    return writeRetryingCollisions("deleting policy " + selector, c -> {
      for (int attempt = 1; ; attempt++) {
        long latest = latestVersion(c, key); // first: see claimVersion
        Optional<Policy> deleted = storedPolicy(c, key);
        if (deleted.isEmpty()) {
          return deleted;
        }
        AuditEntry entry = audit.apply(deleted.get());
        if (!claimVersion(c, key, latest + 1, null, entry)) {
          giveUpAfter(attempt, key);
          continue;
        }
        try (PreparedStatement del = c.prepareStatement("DELETE FROM policy WHERE selector = ?")) {
          del.setString(1, key);
          if (del.executeUpdate() == 0) {
            c.rollback(); // deleted by hand meanwhile: the version row goes too
            return Optional.empty();
          }
        }
        insertAudit(c, entry);
        return deleted;
      }
    });
  }

  /**
   * Appends version {@code version} of the selector, if no writer has: how every writer of a
   * policy takes its first lock, before the policy row, so writers of one selector queue in one
   * order and never hold a row another of them waits for. (A deletion that locked the policy row
   * first deadlocked against a put that held its version.)
   *
   * <p>Each writer reads the latest version, then the policy row, decides, and claims the version
   * after the one it read. The claim is also what proves that what it read is still current: a
   * writer that changed the row since holds or has committed that version too. The database makes
   * racing claims of one version wait for the one that came first; if that writer commits, the
   * others' claims add nothing (false) and each reads again; if it rolls back (having changed
   * nothing), one of them gets the version. Reading the version before the row keeps a change that
   * commits between the two reads from going unnoticed.
   *
   * @return true if claimed, in which case no other writer of the selector gets past its claim
   *     until this transaction ends
   */
  private static boolean claimVersion(Connection c, String selector, long version, String body, AuditEntry audit)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO policy_version (selector, version, body, changed_at, actor) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
      ps.setString(1, selector);
      ps.setLong(2, version);
      ps.setString(3, body);
      Jdbc.setInstant(ps, 4, audit.at());
      ps.setString(5, audit.actor());
      return ps.executeUpdate() == 1;
    }
  }

  /** Fails the write as busy (a serialization failure) once it has lost the claim {@link #CLAIM_ATTEMPTS} times. */
  private static void giveUpAfter(int attempt, String selector) throws SQLException {
    if (attempt >= CLAIM_ATTEMPTS) {
      throw new SQLException("other writers of policy " + selector + " changed it first " + attempt + " times in a row;"
          + " nothing was written, try again", "40001");
    }
  }

  /** Each statement reads what is committed when it starts (read committed, both databases' default). */
  private static long latestVersion(Connection c, String selector) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT MAX(version) FROM policy_version WHERE selector = ?")) {
      ps.setString(1, selector);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The selector's policy as stored, or empty if it has none or one this version cannot read. */
  private Optional<Policy> storedPolicy(Connection c, String selector) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT body FROM policy WHERE selector = ?")) {
      ps.setString(1, selector);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? readPolicy(selector, rs.getString(1)) : Optional.empty();
      }
    }
  }

  private static void insertPolicy(Connection c, String selector, long version, String body, AuditEntry audit)
      throws SQLException {
    try (PreparedStatement in =
        c.prepareStatement("INSERT INTO policy (selector, version, body, updated_at) VALUES (?, ?, ?, ?)")) {
      in.setString(1, selector);
      in.setLong(2, version);
      in.setString(3, body);
      Jdbc.setInstant(in, 4, audit.at());
      in.executeUpdate();
    }
  }

  private static boolean policyRowExists(Connection c, String selector) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM policy WHERE selector = ?")) {
      ps.setString(1, selector);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Runs {@code work} in a transaction, again if it collided on a key with a writer that claims no
   * version: another first reset of the same subject, or a policy row inserted by hand meanwhile.
   */
  private <T> T writeRetryingCollisions(String what, Jdbc.Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write(what, work);
      } catch (DatabaseException e) {
        if (!UNIQUE_VIOLATION.equals(e.sqlState()) || attempt == COLLISION_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  @java.lang.Override
  public List<Override> overrides() {
    return Jdbc.read(ds, "reading overrides", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT id, body FROM policy_override");
          ResultSet rs = ps.executeQuery()) {
        List<Override> out = new ArrayList<>();
        while (rs.next()) {
          String body = rs.getString("body");
          readable("policy_override", rs.getString("id"), body, () -> OverrideJson.read(body)).ifPresent(out::add);
        }
        // By id as Java compares text, on either engine, as policies are.
        out.sort(Comparator.comparing(Override::id));
        return out;
      }
    });
  }

  @java.lang.Override
  public void putOverride(Override override, AuditEntry audit) {
    Objects.requireNonNull(override, "override");
    Objects.requireNonNull(audit, "audit");
    String body = OverrideJson.write(override);
    write("storing override " + override.id(), c -> {
      try (PreparedStatement up =
          c.prepareStatement("UPDATE policy_override SET selector = ?, body = ?, expires_at = ? WHERE id = ?")) {
        up.setString(1, override.selector().toString());
        up.setString(2, body);
        Jdbc.setInstant(up, 3, override.expiresAt());
        up.setString(4, override.id());
        if (up.executeUpdate() == 0) {
          try (PreparedStatement in =
              c.prepareStatement(
                  "INSERT INTO policy_override (id, selector, body, expires_at) VALUES (?, ?, ?, ?)")) {
            in.setString(1, override.id());
            in.setString(2, override.selector().toString());
            in.setString(3, body);
            Jdbc.setInstant(in, 4, override.expiresAt());
            in.executeUpdate();
          }
        }
      }
      insertAudit(c, audit);
      return null;
    });
  }

  @java.lang.Override
  public boolean deleteOverride(String id, AuditEntry audit) {
    Objects.requireNonNull(audit, "audit");
    return write("deleting override " + id, c -> {
      try (PreparedStatement del = c.prepareStatement("DELETE FROM policy_override WHERE id = ?")) {
        del.setString(1, id);
        if (del.executeUpdate() == 0) {
          return false;
        }
      }
      insertAudit(c, audit);
      return true;
    });
  }

  @java.lang.Override
  public void putSubjectReset(Subject subject, Instant at, AuditEntry audit) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(audit, "audit");
    // Two first resets of one subject collide on its key; the one retried finds the row and updates it.
    writeRetryingCollisions("storing the reset of " + subject, c -> {
      try (PreparedStatement up =
          c.prepareStatement("UPDATE subject_reset SET reset_at = GREATEST(reset_at, ?) WHERE subject = ?")) {
        Jdbc.setInstant(up, 1, at);
        up.setString(2, subject.toString());
        if (up.executeUpdate() == 0) {
          try (PreparedStatement in = c.prepareStatement("INSERT INTO subject_reset (subject, reset_at) VALUES (?, ?)")) {
            in.setString(1, subject.toString());
            Jdbc.setInstant(in, 2, at);
            in.executeUpdate();
          }
        }
      }
      insertAudit(c, audit);
      return null;
    });
  }

  @java.lang.Override
  public Optional<Instant> subjectReset(Subject subject) {
    return Jdbc.read(ds, "reading the reset of " + subject, c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT reset_at FROM subject_reset WHERE subject = ?")) {
        ps.setString(1, subject.toString());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(Jdbc.getInstant(rs, "reset_at")) : Optional.empty();
        }
      }
    });
  }

  /**
   * The row is read first: one that already holds {@code fingerprint} with a time the call would
   * not move (always so for an engine that just started) is answered without a write. Otherwise one
   * transaction: the row is inserted if there is none (the first set any engine took up), else
   * updated in a single statement, whose row lock queues concurrent callers, each computing its
   * update from what the one before it committed; then read back under that lock.
   *
   * <p>Reading first keeps a restart on the set recorded free of that lock: a transaction another
   * server left open on the row (stalled between its update and its commit, which PostgreSQL keeps
   * until it finds the connection dead) would otherwise fail every start after the lock timeout.
   * The answer is the one a write queued before that transaction would have given.
   */
  @java.lang.Override
  public long budgetCountersSince(String fingerprint, long nowMs, boolean leavingAnother) {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Optional<Long> kept = keptSince(fingerprint);
    if (kept.isPresent() && (!leavingAnother || kept.get() >= nowMs)) {
      return kept.get();
    }
    Instant now = Instant.ofEpochMilli(nowMs);
    // Two first records collide on the row's key; the one retried finds the row and updates it.
    return writeRetryingCollisions("recording the budget counters taken up", c -> {
      try (PreparedStatement in =
          c.prepareStatement(
              "INSERT INTO budget_counter_set (id, fingerprint, kept_since) VALUES (1, ?, ?) ON CONFLICT DO NOTHING")) {
        in.setString(1, fingerprint);
        Jdbc.setInstant(in, 2, now);
        if (in.executeUpdate() == 1) {
          return nowMs;
        }
      }
      // Every right-hand side reads the row as it was: another fingerprint replaces it from now.
      String sameSet = leavingAnother ? "GREATEST(kept_since, ?)" : "kept_since";
      try (PreparedStatement up =
          c.prepareStatement(
              "UPDATE budget_counter_set SET kept_since = CASE WHEN fingerprint = ? THEN " + sameSet + " ELSE ? END,"
                  + " fingerprint = ? WHERE id = 1")) {
        int i = 1;
        up.setString(i++, fingerprint);
        if (leavingAnother) {
          Jdbc.setInstant(up, i++, now);
        }
        Jdbc.setInstant(up, i++, now);
        up.setString(i, fingerprint);
        up.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT kept_since FROM budget_counter_set WHERE id = 1");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Jdbc.getInstant(rs, "kept_since").toEpochMilli();
      }
    });
  }

  /** The row replaced whatever it held, or inserted if there is none (two first records collide on its key: one is retried). */
  @java.lang.Override
  public long budgetCountersRedated(String fingerprint, long storeNowMs) {
    Objects.requireNonNull(fingerprint, "fingerprint");
    Instant now = Instant.ofEpochMilli(storeNowMs);
    return writeRetryingCollisions("recording the budget counters taken up", c -> {
      try (PreparedStatement up =
          c.prepareStatement("UPDATE budget_counter_set SET fingerprint = ?, kept_since = ? WHERE id = 1")) {
        up.setString(1, fingerprint);
        Jdbc.setInstant(up, 2, now);
        if (up.executeUpdate() == 1) {
          return storeNowMs;
        }
      }
      try (PreparedStatement in =
          c.prepareStatement("INSERT INTO budget_counter_set (id, fingerprint, kept_since) VALUES (1, ?, ?)")) {
        in.setString(1, fingerprint);
        Jdbc.setInstant(in, 2, now);
        in.executeUpdate();
      }
      return storeNowMs;
    });
  }

  /** The time the row keeps if it holds {@code fingerprint}; empty if it holds another set or there is none. */
  private Optional<Long> keptSince(String fingerprint) {
    return Jdbc.read(ds, "reading the budget counters taken up", c -> {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT kept_since FROM budget_counter_set WHERE id = 1 AND fingerprint = ?")) {
        ps.setString(1, fingerprint);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(Jdbc.getInstant(rs, "kept_since").toEpochMilli()) : Optional.empty();
        }
      }
    });
  }

  static void insertAudit(Connection c, AuditEntry a) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO audit_log (at, actor, action, target, before_state, after_state, reason)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      Jdbc.setInstant(ps, 1, a.at());
      ps.setString(2, a.actor());
      ps.setString(3, a.action());
      ps.setString(4, a.target());
      ps.setString(5, a.before());
      ps.setString(6, a.after());
      ps.setString(7, a.reason());
      ps.executeUpdate();
    }
  }

  @java.lang.Override
  public List<AuditEntry> audit(AuditQuery q) {
    StringBuilder sql =
        new StringBuilder("SELECT id, at, actor, action, target, before_state, after_state, reason FROM audit_log WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (q.actor() != null) {
      sql.append(" AND actor = ?");
      args.add(q.actor());
    }
    if (q.action() != null) {
      sql.append(" AND action = ?");
      args.add(q.action());
    }
    if (q.target() != null) {
      sql.append(" AND target LIKE ? ESCAPE '\\'");
      args.add("%" + Jdbc.likeLiteral(q.target()) + "%");
    }
    if (q.from() != null) {
      sql.append(" AND at >= ?");
      args.add(q.from());
    }
    if (q.to() != null) {
      sql.append(" AND at < ?");
      args.add(q.to());
    }
    if (q.olderThan() != null) {
      sql.append(" AND id < ?");
      args.add(q.olderThan());
    }
    sql.append(" ORDER BY id DESC LIMIT ? OFFSET ?");
    args.add(q.limit());
    args.add(q.offset());
    return Jdbc.read(ds, "reading the audit trail", c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        Jdbc.bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          List<AuditEntry> out = new ArrayList<>();
          while (rs.next()) {
            out.add(
                new AuditEntry(
                    rs.getLong("id"),
                    Jdbc.getInstant(rs, "at"),
                    rs.getString("actor"),
                    rs.getString("action"),
                    rs.getString("target"),
                    rs.getString("before_state"),
                    rs.getString("after_state"),
                    rs.getString("reason")));
          }
          return out;
        }
      }
    });
  }
}
