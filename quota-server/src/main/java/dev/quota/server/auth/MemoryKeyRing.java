package dev.quota.server.auth;

import dev.quota.Subject;
import dev.quota.jdbc.ApiKeyRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Keys in the heap, by hash; for the bootstrap admin key and for servers without a database. */
public final class MemoryKeyRing implements KeyRing {
  static final String REGISTERED_NAME_RULE =
      "is the name of the administrator key, set by QUOTA_ADMIN_KEY or the admin.key file";
  private final Map<String, Principal> byHash = new ConcurrentHashMap<>();
  private final Map<String, String> hashByName = new ConcurrentHashMap<>();

  @Override
  public Optional<Principal> authenticate(String presentedKey) {
    return Optional.ofNullable(byHash.get(ApiKeys.hash(presentedKey)));
  }

  @Override
  public synchronized void register(String name, Role role, Set<Subject> subjects, String key) {
    remove(name);
    String hash = ApiKeys.hash(key);
    byHash.put(hash, new Principal(name, role, subjects));
    hashByName.put(name, hash);
  }

  @Override
  public synchronized String issue(String name, Role role, Set<Subject> subjects, String actor, String reason) {
    Optional<String> held = heldNameLike(name);
    if (held.isPresent()) {
      throw ApiKeyRepository.nameTaken(name, held.get());
    }
    String key = ApiKeys.generate();
    register(name, role, subjects, key);
    return key;
  }

  /** Whether a key named exactly {@code name} is held here. */
  public boolean holds(String name) {
    return hashByName.containsKey(name);
  }

  /**
   * The name of a key held here that is the same name as {@code name} ignoring case ({@link
   * ApiKeyRepository#sameName}), if any: a key issued under it would read as that key in the audit
   * trail.
   */
  public Optional<String> heldNameLike(String name) {
    return hashByName.keySet().stream().filter(held -> ApiKeyRepository.sameName(held, name)).findFirst();
  }

  @Override
  public List<Principal> list() {
    return new ArrayList<>(byHash.values());
  }

  @Override
  public synchronized boolean revoke(String name, String actor, String reason) {
    // issue() keeps names unique ignoring case, so at most one other key can match that way
    return remove(holds(name) ? name : heldNameLike(name).orElse(name));
  }

  private boolean remove(String exactName) {
    String hash = hashByName.remove(exactName);
    return hash != null && byHash.remove(hash) != null;
  }
}
