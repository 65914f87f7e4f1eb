package dev.quota.server.auth;

import dev.quota.ConflictException;
import dev.quota.Subject;
import dev.quota.admin.AuditAction;
import dev.quota.admin.AuditEntry;
import dev.quota.admin.AuditText;
import dev.quota.jdbc.ApiKeyRepository;
import dev.quota.jdbc.DatabaseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Keys in the database (hashed, audited when issued or revoked), plus the bootstrap admin key held
 * in memory. Successful lookups are cached for {@link #CACHE_NANOS} so a decision does not cost a
 * database round trip; a revoked key therefore stops working within that time on every server.
 * While the database cannot be reached, a key it last vouched for stays valid: refusing it would
 * stop every service's calls, which the ledger's spool exists to carry through an outage (and no
 * revocation can be written meanwhile). A key not seen before the outage is refused with it. A
 * lookup the database holds up past the pool's bounds (behind a lock on the keys table, or past the
 * statement bound) is treated alike: a lock there blocks a revocation too, and otherwise every
 * service call would fail for as long as it lasts.
 *
 * <p>Names tell keys apart in the audit trail: the database keeps them unique among active keys,
 * and the bootstrap key's name is reserved, both ignoring case ({@code Admin} reads as {@code
 * admin}). Revocation finds a key by its name ignoring case too; two keys issued under one name in
 * different cases before that rule are revoked one at a time, by their exact names. The bootstrap key is configured, not
 * issued, so it is replaced where it is configured and cannot be revoked here.
 */
public final class JdbcKeyRing implements KeyRing {
  static final long CACHE_NANOS = 5_000_000_000L;
  private static final int MAX_CACHED = 10_000;

  private record Cached(Principal principal, long until) {}

  private final ApiKeyRepository repo;
  private final Clock clock;
  private final MemoryKeyRing bootstrap = new MemoryKeyRing();
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  /**
   * Counts revocations; with {@link #cacheLock} it keeps a lookup that was under way when a key was
   * revoked from caching the database's answer from before the revocation.
   */
  private long revocations;
  private final Object cacheLock = new Object();
  /** Nanoseconds for the cache's expiry, as {@link System#nanoTime}; injected by tests. */
  private final LongSupplier ticker;

  public JdbcKeyRing(ApiKeyRepository repo, Clock clock) {
    this(repo, clock, System::nanoTime);
  }

  /** As above, with the cache's expiry read from {@code ticker} (nanoseconds, as {@link System#nanoTime}): tests let entries run out. */
  public JdbcKeyRing(ApiKeyRepository repo, Clock clock, LongSupplier ticker) {
    this.repo = repo;
    this.clock = clock;
    this.ticker = ticker;
  }

  @Override
  public Optional<Principal> authenticate(String presentedKey) {
    Optional<Principal> p = bootstrap.authenticate(presentedKey);
    if (p.isPresent()) {
      return p;
    }
    String hash = ApiKeys.hash(presentedKey);
    long now = ticker.getAsLong();
    Cached c = cache.get(hash);
    if (c != null && now - c.until() < 0) {
      return Optional.of(c.principal());
    }
    long revokedBefore;
    synchronized (cacheLock) {
      revokedBefore = revocations;
    }
    Optional<Principal> found;
    try {
      found = repo.authenticate(presentedKey).map(k -> new Principal(k.name(), role(k.role()), k.readable()));
    } catch (DatabaseException e) {
      if (c != null && couldNotAnswer(e)) {
        // The database's last word on this key stands until it answers again; asked again only
        // after another cache period, so not every call waits out a connection timeout.
        cache.put(hash, new Cached(c.principal(), now + CACHE_NANOS));
        return Optional.of(c.principal());
      }
      throw e;
    }
    // The cache period runs from the database's answer.
    long answered = ticker.getAsLong();
    synchronized (cacheLock) {
      if (found.isEmpty()) {
        cache.remove(hash);
      } else if (revocations == revokedBefore) { // else the answer may predate a revocation: not kept
        if (cache.size() >= MAX_CACHED) {
          cache.clear();
        }
        cache.put(hash, new Cached(found.get(), answered + CACHE_NANOS));
      }
    }
    return found;
  }

  /**
   * The database gave no answer on a key: it could not be reached, or it held the lookup up behind
   * a lock or past the statement bound (the failures answered 503 to the client).
   */
  private static boolean couldNotAnswer(DatabaseException e) {
    return e.isUnreachable() || e.isBusy() || e.isCancelled();
  }

  @Override
  public void register(String name, Role role, Set<Subject> subjects, String key) {
    bootstrap.register(name, role, subjects, key);
  }

  @Override
  public String issue(String name, Role role, Set<Subject> subjects, String actor, String reason) {
    Optional<String> registered = bootstrap.heldNameLike(name);
    if (registered.isPresent()) {
      throw new ConflictException(
          "name", "must differ, ignoring case, from '" + registered.get() + "', which " + MemoryKeyRing.REGISTERED_NAME_RULE);
    }
    AuditText.requireReason("reason", reason);
    // One reading dates the key and its audit entry alike.
    Instant now = clock.instant();
    AuditEntry audit = audit(now, actor, AuditAction.KEY_ISSUE, name, null, state(role, subjects), reason);
    return repo.issue(name, ApiKeyRepository.Role.valueOf(role.name()), subjects, now, audit).secret();
  }

  @Override
  public List<Principal> list() {
    List<Principal> out = new ArrayList<>(bootstrap.list());
    for (ApiKeyRepository.ApiKey k : repo.list()) {
      if (k.active()) {
        out.add(new Principal(k.name(), role(k.role()), k.readable()));
      }
    }
    return out;
  }

  @Override
  public boolean revoke(String name, String actor, String reason) {
    AuditText.requireReason("reason", reason);
    // Found and revoked in one transaction: of revocations of one name at once, one revokes.
    Instant now = clock.instant();
    boolean any = !repo.revokeNamed(name, now,
        k -> audit(now, actor, AuditAction.KEY_REVOKE, k.name(), state(role(k.role()), k.readable()), null, reason)).isEmpty();
    // Revocation must take effect here at once, on lookups already under way too; other servers
    // see it when their cache entry ends.
    synchronized (cacheLock) {
      revocations++;
      cache.clear();
    }
    if (!any && bootstrap.heldNameLike(name).isPresent()) {
      throw new ConflictException("name", MemoryKeyRing.REGISTERED_NAME_RULE + ": it is replaced there, not revoked through the API");
    }
    return any;
  }

  /**
   * A key as its audit entries record it, issued and revoked alike: its role and the subjects it may
   * read, sorted as the key list shows them ({@code viewer [team:ops, user:alice]}).
   */
  private static String state(Role role, Set<Subject> subjects) {
    return role.wireName() + " " + new TreeSet<>(subjects);
  }

  private static AuditEntry audit(
      Instant at, String actor, AuditAction action, String name, String before, String after, String reason) {
    return new AuditEntry(0, at, actor, action.wireName(), name, before, after, AuditText.recorded(reason));
  }

  private static Role role(ApiKeyRepository.Role r) {
    return Role.valueOf(r.name());
  }
}
