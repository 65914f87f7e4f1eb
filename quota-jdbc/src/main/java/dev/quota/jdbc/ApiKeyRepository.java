package dev.quota.jdbc;

import dev.quota.ConflictException;
import dev.quota.Subject;
import dev.quota.ValidationException;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditText;
import dev.quota.internal.Padding;
import dev.quota.jdbc.internal.Jdbc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * API keys for the HTTP API. Only a SHA-256 hash of each key is stored: the secret is shown once,
 * when the key is issued, and cannot be recovered. A viewer key carries the subjects it may read.
 * Issuing and revoking can be audited in the same transaction.
 *
 * <p>A key's name is the actor in the audit trail, so no two active keys share one, and names that
 * differ only in case ({@code svc} and {@code SVC}) count as one: a reader of the trail cannot tell
 * them apart. Keys issued before that rule under such names keep working. Issuing, and revoking by
 * name, read the active names and write while no other issuer or revoker by name can: on
 * PostgreSQL (shared by several servers) under a table lock that plain reads do not wait for, on H2
 * (embedded, one process) under a lock in this JVM.
 */
public final class ApiKeyRepository {
  /** What a key may do. */
  public enum Role {
    /** Everything, including policies and keys. */
    ADMIN,
    /** Decisions and usage reporting: what a platform calling Quota needs. */
    SERVICE,
    /** Read-only access to the subjects listed on the key. */
    VIEWER;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromWire(String field, String text) {
      for (Role r : values()) {
        if (r.wireName().equals(text)) {
          return r;
        }
      }
      throw new ValidationException(field, "must be admin, service or viewer");
    }
  }

  /** A stored key, without its secret. {@code readable} is empty except for viewers. */
  public record ApiKey(String id, String name, Role role, Set<Subject> readable, Instant createdAt, Instant revokedAt) {
    public boolean active() {
      return revokedAt == null;
    }

    /** Whether this key may read data of {@code subject}. */
    public boolean mayRead(Subject subject) {
      return role != Role.VIEWER || readable.contains(subject);
    }
  }

  /** A newly issued key and its secret, which is never shown again. */
  public record IssuedKey(ApiKey key, String secret) {
    @java.lang.Override
    public String toString() {
      return "IssuedKey[" + key + ", secret=***]";
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SECRET_PREFIX = "qk_";
  /** Serializes issuers and revokers by name on H2, which one process opens at a time; see the class comment. */
  private static final Object H2_NAMING = new Object();

  private final DataSource ds;
  private final Database.Engine engine;

  public ApiKeyRepository(Database database) {
    this.ds = database.dataSource();
    this.engine = database.engine();
  }

  /**
   * Issues a key. Viewers must list at least one readable subject (each one id: a {@link Subject}
   * is never {@code *}); other roles none.
   *
   * @param audit recorded in the same transaction, or null
   * @throws ConflictException naming {@code name} when an active key already has that name, in any
   *     case
   */
  public IssuedKey issue(String name, Role role, Set<Subject> readable, Instant now, AuditEntry audit) {
    // The name is the actor of everything the key does, so it follows the actor's rule.
    AuditText.requireActor("name", name);
    // ' ops' would be a key apart from 'ops', and an actor in the audit trail that reads as it.
    ValidationException.require(!Padding.isPadded(name), "name", Subject.PADDING_RULE);
    ValidationException.require(role != null, "role", "is required");
    Set<Subject> subjects = readable == null ? Set.of() : new TreeSet<>(readable);
    ValidationException.require(
        role != Role.VIEWER || !subjects.isEmpty(), "subjects", "a viewer key must name the subjects it may read");
    ValidationException.require(
        role == Role.VIEWER || subjects.isEmpty(), "subjects", "only viewer keys are limited to subjects");
    ValidationException.require(subjects.size() <= 1000, "subjects", "must name at most 1000 subjects");
    ValidationException.require(now != null, "now", "is required");
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    byte[] idBytes = new byte[8];
    RANDOM.nextBytes(idBytes);
    ApiKey key =
        new ApiKey("key_" + HexFormat.of().formatHex(idBytes), name, role, Set.copyOf(subjects), Jdbc.micros(now), null);
    underNameLock("issuing API key " + key.id(), c -> {
      insertUnlessNameIsTaken(c, key, hash(secret), subjects, now);
      if (audit != null) {
        JdbcConfigRepository.insertAudit(c, audit);
      }
      return null;
    });
    return new IssuedKey(key, secret);
  }

  /**
   * Runs {@code work} in one transaction while no other issuer or revoker by name runs (see the
   * class comment), so the active names it reads are still the active names when it writes.
   */
  private <T> T underNameLock(String what, Jdbc.Work<T> work) {
    if (engine == Database.Engine.POSTGRESQL) {
      return Jdbc.inTransaction(ds, what, c -> {
        // Conflicts with itself and with writes, not with the reads that authenticate requests.
        try (Statement s = c.createStatement()) {
          s.execute("LOCK TABLE api_key IN SHARE ROW EXCLUSIVE MODE");
        }
        return work.run(c);
      });
    }
    synchronized (H2_NAMING) {
      return Jdbc.inTransaction(ds, what, work);
    }
  }

  /**
   * Whether two key names are one name to a reader of the audit trail: equal ignoring case, for
   * every key store alike. Compared here, not in SQL, so that H2 and PostgreSQL (whose case rules
   * depend on the database's collation) fold every letter the same way.
   */
  public static boolean sameName(String a, String b) {
    return a.equalsIgnoreCase(b);
  }

  /** The refusal of {@code name}, the same name as {@code held}'s, which an active key holds; for every key store alike. */
  public static ConflictException nameTaken(String name, String held) {
    String taken = held.equals(name) ? "'" + name + "' is taken" : "'" + name + "' is taken as '" + held + "'";
    return new ConflictException(
        "name", "must be unique among active keys, ignoring case: " + taken + " (revoke that key first)");
  }

  private void insertUnlessNameIsTaken(Connection c, ApiKey key, String keyHash, Set<Subject> subjects, Instant now)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT name FROM api_key WHERE revoked_at IS NULL");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String held = rs.getString(1);
        if (sameName(held, key.name())) {
          throw nameTaken(key.name(), held);
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO api_key (id, key_hash, name, role, subjects, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, key.id());
      ps.setString(2, keyHash);
      ps.setString(3, key.name());
      ps.setString(4, key.role().wireName());
      ps.setString(5, subjectsText(subjects));
      Jdbc.setInstant(ps, 6, now);
      ps.executeUpdate();
    }
  }

  /** The active key with this secret, if any. */
  public Optional<ApiKey> authenticate(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX) || secret.length() > 100) {
      return Optional.empty();
    }
    String hash = hash(secret);
    return Jdbc.read(ds, "checking an API key", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, name, role, subjects, created_at, revoked_at FROM api_key WHERE key_hash = ? AND revoked_at IS NULL")) {
        ps.setString(1, hash);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(read(rs)) : Optional.empty();
        }
      }
    });
  }

  /**
   * Revokes, in one transaction, the active keys {@code name} names: those named exactly, else the
   * one whose name is the same ignoring case, as names are unique now. Keys issued before that rule
   * may share a name in different cases; then only the exact name tells which is meant. Of revokers
   * of one name at once, only the first finds the keys active: the others revoke nothing.
   *
   * @param audit the audit entry of each key revoked, recorded in the same transaction; null for none
   * @return the keys revoked, as they were before; empty if no active key is named so
   * @throws ConflictException naming {@code name} when it matches several active keys only ignoring
   *     case; nothing is revoked
   */
  public List<ApiKey> revokeNamed(String name, Instant now, Function<ApiKey, AuditEntry> audit) {
    ValidationException.require(name != null, "name", "is required");
    ValidationException.require(now != null, "now", "is required");
    return underNameLock("revoking API keys named " + name, c -> {
      List<ApiKey> named = named(activeKeys(c), name);
      for (ApiKey k : named) {
        try (PreparedStatement ps =
            c.prepareStatement("UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
          Jdbc.setInstant(ps, 1, now);
          ps.setString(2, k.id());
          ps.executeUpdate();
        }
        if (audit != null) {
          JdbcConfigRepository.insertAudit(c, audit.apply(k));
        }
      }
      return named;
    });
  }

  private static List<ApiKey> activeKeys(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
            "SELECT id, name, role, subjects, created_at, revoked_at FROM api_key WHERE revoked_at IS NULL ORDER BY created_at, id");
        ResultSet rs = ps.executeQuery()) {
      List<ApiKey> out = new ArrayList<>();
      while (rs.next()) {
        out.add(read(rs));
      }
      return out;
    }
  }

  /** Of {@code active}, those {@code name} names; see {@link #revokeNamed}. */
  private static List<ApiKey> named(List<ApiKey> active, String name) {
    List<ApiKey> exact = new ArrayList<>();
    List<ApiKey> like = new ArrayList<>();
    for (ApiKey k : active) {
      if (k.name().equals(name)) {
        exact.add(k);
      } else if (sameName(k.name(), name)) {
        like.add(k);
      }
    }
    if (!exact.isEmpty() || like.size() <= 1) {
      return exact.isEmpty() ? like : exact;
    }
    StringJoiner names = new StringJoiner("', '", "'", "'");
    like.stream().map(ApiKey::name).sorted().forEach(names::add);
    throw new ConflictException(
        "name", "matches " + like.size() + " active keys ignoring case (" + names
            + "), issued before names were unique ignoring case: give the exact name of the one to revoke");
  }

  /** Every key, revoked ones included, oldest first. */
  public List<ApiKey> list() {
    return Jdbc.read(ds, "listing API keys", c -> {
      try (PreparedStatement ps =
              c.prepareStatement("SELECT id, name, role, subjects, created_at, revoked_at FROM api_key ORDER BY created_at, id");
          ResultSet rs = ps.executeQuery()) {
        List<ApiKey> out = new ArrayList<>();
        while (rs.next()) {
          out.add(read(rs));
        }
        return out;
      }
    });
  }

  /** Whether any key exists: a fresh installation has none and needs a first admin key. */
  public boolean isEmpty() {
    return list().isEmpty();
  }

  private static ApiKey read(ResultSet rs) throws SQLException {
    Set<Subject> subjects = new TreeSet<>();
    for (String line : rs.getString("subjects").split("\n")) {
      if (!line.isEmpty()) {
        try {
          subjects.add(Subject.parse(line));
        } catch (ValidationException e) {
          // Issued before its identifier's rules (no ',', no whitespace at either end, not '.' or
          // '..') existed: no request can name that subject any more, so the binding grants
          // nothing, and the key keeps its other subjects.
        }
      }
    }
    return new ApiKey(
        rs.getString("id"),
        rs.getString("name"),
        Role.fromWire("role", rs.getString("role")),
        Set.copyOf(subjects),
        Jdbc.getInstant(rs, "created_at"),
        Jdbc.getInstant(rs, "revoked_at"));
  }

  private static String subjectsText(Set<Subject> subjects) {
    StringBuilder sb = new StringBuilder();
    for (Subject s : subjects) {
      sb.append(s).append('\n');
    }
    return sb.toString();
  }

  static String hash(String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
